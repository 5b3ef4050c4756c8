// emscore/mbus/record.hpp — variable data records (EN 13757-3:2013 §6.3-6.5).
//
// A record is DIB (DIF + up to 10 DIFEs) + VIB (VIF + up to 10 VIFEs) + data:
//   DIF   bit 7 extension, bit 6 LSB of the storage number, bits 5-4 function
//         (instantaneous, maximum, minimum, value during error state), bits 3-0 data coding.
//   DIFE  bit 7 extension, bit 6 subunit bit, bits 5-4 tariff bits, bits 3-0 storage bits;
//         DIFE n contributes storage bits 4n+1.., tariff bits 2n.., subunit bit n.
//   Special DIFs: 0x0F manufacturer specific data to the end, 0x1F the same and "more
//   records follow" (multi-telegram readout), 0x2F idle filler (skipped), 0x7F global
//   readout request.
// RecordReader walks the records of a telegram without allocating: each Record borrows
// from the frame. On malformed input next() returns false and status() tells what, where
// (absolute byte offset) and what was expected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "emscore/core/byte_reader.hpp"  // Endian
#include "emscore/mbus/vif.hpp"

namespace emscore::mbus {

// DIF bits 3-0 (EN 13757-3 Table 4).
enum class DataCoding : std::uint8_t {
  kNone = 0x0, kInt8, kInt16, kInt24, kInt32, kReal32, kInt48, kInt64,
  kSelection = 0x8, kBcd2, kBcd4, kBcd6, kBcd8, kVariable, kBcd12, kSpecial,
};

// DIF bits 5-4 (EN 13757-3 Table 5).
enum class Function : std::uint8_t { kInstantaneous, kMaximum, kMinimum, kError };
std::string_view function_name(Function f) noexcept;

enum class RecordKind : std::uint8_t {
  kData,                  // an ordinary data record
  kManufacturerSpecific,  // DIF 0x0F: data = the rest of the telegram
  kMoreRecordsFollow,     // DIF 0x1F: data = the rest; the meter has another telegram
  kGlobalReadout,         // DIF 0x7F (master to slave)
};

struct Record {
  RecordKind kind = RecordKind::kData;
  std::size_t offset = 0;                 // absolute offset of the DIF (frame user data)
  std::span<const std::uint8_t> header;   // DIF .. last VIFE (incl. plain-text unit)
  std::span<const std::uint8_t> data;     // data field, without an LVAR byte
  std::uint8_t dif = 0;
  DataCoding coding = DataCoding::kNone;
  Function function = Function::kInstantaneous;
  std::uint8_t dife_count = 0;
  std::uint64_t storage = 0;              // up to 41 bits
  std::uint32_t tariff = 0;               // up to 20 bits
  std::uint16_t subunit = 0;              // up to 10 bits
  std::uint8_t lvar = 0;                  // kVariable: the LVAR byte
  // VIB
  VifTable table = VifTable::kNone;
  std::uint8_t vif = 0;                   // as sent (with extension bit)
  std::uint8_t code = 0;                  // table code: VIF & 0x7F, or the FB/FD VIFE & 0x7F
  std::span<const std::uint8_t> vifes;    // combinable VIFEs (after an FB/FD code byte)
  std::span<const std::uint8_t> plain_text;  // VIF 0x7C/0xFC: the unit as sent (reversed)
  Endian order = Endian::kLittle;         // multi-byte data order (CI 0x76 is big endian)

  // The whole record as sent: header followed by data (and LVAR byte if any).
  std::span<const std::uint8_t> bytes;
};

// Size of the data field for a fixed coding (0 for none/selection; variable and special
// codings are not fixed).
constexpr std::size_t fixed_data_size(DataCoding c) noexcept {
  // Sizes for codings 0x0..0xF, a nibble each (0xF first): 0 6 0 4 3 2 1 0 8 6 4 4 3 2 1 0.
  // One shift of a constant instead of a table in memory.
  constexpr std::uint64_t kSizes = 0x0604'3210'8644'3210ull;
  return static_cast<std::size_t>((kSizes >> (4 * (static_cast<unsigned>(c) & 0x0F))) & 0x0F);
}

class RecordReader {
 public:
  static constexpr std::size_t kMaxDife = 10;
  static constexpr std::size_t kMaxVife = 10;

  // `records` is the variable data area; `base_offset` is its offset in what the caller
  // wants error offsets relative to (e.g. the frame user data).
  explicit RecordReader(std::span<const std::uint8_t> records, std::size_t base_offset = 0,
                        Endian order = Endian::kLittle) noexcept
      : data_(records), base_(base_offset), order_(order) {}

  // Fills `r` with the next record; false at the end or on an error (see status()).
  bool next(Record& r) noexcept;
  absl::Status status() const;
  bool ok() const noexcept { return error_ == Error::kNone; }
  // True once a DIF 0x1F was read: the meter has more records in a next telegram.
  bool more_records_follow() const noexcept { return more_follow_; }
  std::size_t records_read() const noexcept { return count_; }

 private:
  enum class Error : std::uint8_t {
    kNone, kTruncatedDife, kTooManyDife, kMissingVif, kTruncatedVife, kTooManyVife,
    kTruncatedPlainText, kTruncatedData, kReservedDif, kReservedLvar,
  };
  bool special(Record& r, std::uint8_t dif, std::size_t start) noexcept;
  bool fail(Error e, std::size_t at, std::size_t need = 0) noexcept {
    done_ = true;  // next() checks this one flag
    error_ = e;
    err_at_ = at;
    err_need_ = need;
    return false;
  }

  std::span<const std::uint8_t> data_;
  std::size_t base_ = 0;
  Endian order_ = Endian::kLittle;
  std::size_t pos_ = 0;
  std::size_t count_ = 0;
  bool done_ = false;  // at the end or failed
  bool more_follow_ = false;
  Error error_ = Error::kNone;
  std::size_t err_at_ = 0;
  std::size_t err_need_ = 0;
  std::uint8_t err_byte_ = 0;
};

}  // namespace emscore::mbus
