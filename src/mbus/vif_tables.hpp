// Internal to emscore_mbus: the VIF and combinable VIFE tables as arrays indexed by the
// 7-bit code (built at compile time in vif.cpp from the EN 13757-3 switch functions), so
// the record decoder looks a code up with one indexed load instead of a call and a switch.
#pragma once

#include <array>

#include "emscore/mbus/data.hpp"
#include "emscore/mbus/vif.hpp"

namespace emscore::mbus::detail {

extern const std::array<VifInfo, 128> kPrimaryVifTable;     // Table 10, VIF & 0x7F
extern const std::array<VifInfo, 128> kFdVifTable;          // Table 14, after VIF 0xFD
extern const std::array<VifInfo, 128> kFbVifTable;          // Tables 12/13, after VIF 0xFB
extern const std::array<VifeInfo, 128> kCombinableVifeTable;  // Table 15

// The meaning of a record without VIFEs, per VIF table and code, ready to copy:
// index = static_cast<unsigned>(VifTable) * 128 + code for kPrimary, kFB and kFD.
extern const std::array<RecordMeaning, 3 * 128> kVifMeaningTable;

}  // namespace emscore::mbus::detail
