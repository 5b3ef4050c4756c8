#include "emscore/mbus/record.hpp"

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::mbus {
namespace {

constexpr std::size_t kReservedLvarSize = ~std::size_t{0};

// Data field size for an LVAR byte (EN 13757-3 §6.3.2); kReservedLvarSize for 0xF7-0xFF.
[[gnu::noinline]] std::size_t lvar_size(std::uint8_t lvar) noexcept {
  if (lvar <= 0xBF) return lvar;              // ASCII text
  if (lvar <= 0xCF) return lvar - 0xC0u;      // positive BCD, 2 digits a byte
  if (lvar <= 0xDF) return lvar - 0xD0u;      // negative BCD
  if (lvar <= 0xEF) return lvar - 0xE0u;      // binary number
  if (lvar <= 0xF4) return 4u * (lvar - 0xECu);  // binary, 16..32 bytes
  if (lvar == 0xF5) return 48;
  if (lvar == 0xF6) return 64;
  return kReservedLvarSize;
}

}  // namespace

std::string_view function_name(Function f) noexcept {
  switch (f) {
    case Function::kInstantaneous: return "Instantaneous value";
    case Function::kMaximum: return "Maximum value";
    case Function::kMinimum: return "Minimum value";
    case Function::kError: return "Value during error state";
  }
  return "Instantaneous value";
}

// DIF 0x0F/0x1F (manufacturer specific data to the end; 0x1F: more records follow), 0x7F
// (global readout request) and the reserved 0x3F-0x6F.
bool RecordReader::special(Record& r, std::uint8_t dif, std::size_t start) noexcept {
  const std::span<const std::uint8_t> none;
  const std::size_t n = data_.size();
  r.offset = base_ + start;
  r.order = order_;
  r.dif = dif;
  r.coding = DataCoding::kSpecial;
  r.function = Function::kInstantaneous;
  r.dife_count = 0;
  r.storage = 0;
  r.tariff = 0;
  r.subunit = 0;
  r.lvar = 0;
  r.table = VifTable::kNone;
  r.vif = 0;
  r.code = 0;
  r.vifes = r.plain_text = none;
  if (dif == 0x0F || dif == 0x1F) {
    // Manufacturer specific data to the end of the telegram.
    r.kind = dif == 0x1F ? RecordKind::kMoreRecordsFollow : RecordKind::kManufacturerSpecific;
    r.header = data_.subspan(start, 1);
    r.data = data_.subspan(start + 1);
    r.bytes = data_.subspan(start);
    if (dif == 0x1F) more_follow_ = true;
    pos_ = n;
    done_ = true;
    ++count_;
    return true;
  }
  if (dif == 0x7F) {
    r.kind = RecordKind::kGlobalReadout;
    r.header = r.bytes = data_.subspan(start, 1);
    r.data = none;
    pos_ = start + 1;
    ++count_;
    return true;
  }
  err_byte_ = dif;
  return fail(Error::kReservedDif, start);
}

bool RecordReader::next(Record& r) noexcept {
  if (done_) [[unlikely]] return false;  // also set by fail()
  // The walk keeps the reader's state in locals (stores into `r`'s byte fields may alias
  // the reader's members, which would make the compiler reload them) and fills `r` field by
  // field as each part is known, so few values stay live across the whole walk.
  const std::uint8_t* const p = data_.data();
  const std::size_t n = data_.size();
  std::size_t pos = pos_;
  // Idle filler bytes between records (EN 13757-3 §6.3.3, DIF 0x2F).
  while (pos < n && p[pos] == 0x2F) ++pos;
  if (pos >= n) {
    pos_ = pos;
    done_ = true;
    return false;
  }
  const std::size_t start = pos;
  const std::uint8_t dif = p[pos++];
  // Special functions (EN 13757-3 §6.3.3; 0x2F was skipped above).
  if ((dif & 0x0F) == 0x0F) [[unlikely]] return special(r, dif, start);
  const auto coding = static_cast<DataCoding>(dif & 0x0F);
  r.kind = RecordKind::kData;
  r.offset = base_ + start;
  r.order = order_;
  r.dif = dif;
  r.coding = coding;
  r.function = static_cast<Function>((dif >> 4) & 0x03);
  // DIFEs: DIFE i contributes storage bits 4i+1.., tariff bits 2i.., subunit bit i.
  if (dif & 0x80) [[unlikely]] {
    std::uint64_t storage = (dif >> 6) & 0x01;
    std::uint32_t tariff = 0;
    unsigned subunit = 0;
    unsigned difes = 0;
    std::uint8_t e;
    do {
      if (pos >= n) return fail(Error::kTruncatedDife, pos, 1);
      if (difes == kMaxDife) return fail(Error::kTooManyDife, pos);
      e = p[pos++];
      const unsigned i = difes++;
      storage |= std::uint64_t{e & 0x0Fu} << (1 + 4 * i);
      tariff |= std::uint32_t{(e >> 4) & 0x03u} << (2 * i);
      subunit |= ((e >> 6) & 0x01u) << i;
    } while (e & 0x80);
    r.storage = storage;
    r.tariff = tariff;
    r.subunit = static_cast<std::uint16_t>(subunit);
    r.dife_count = static_cast<std::uint8_t>(difes);
  } else {
    r.storage = (dif >> 6) & 0x01;
    r.tariff = 0;
    r.subunit = 0;
    r.dife_count = 0;
  }
  // VIB (a VIF is mandatory after a data DIF, EN 13757-3 §6.3.1).
  if (pos >= n) return fail(Error::kMissingVif, pos, 1);
  const std::uint8_t vif = p[pos++];
  const std::uint8_t v7 = vif & 0x7F;
  bool more = (vif & 0x80) != 0;
  r.vif = vif;
  r.table = VifTable::kPrimary;
  r.code = v7;
  r.plain_text = {};
  std::size_t vife_count = 0;
  if (v7 >= 0x7B) [[unlikely]] {
    switch (v7) {
      case 0x7B:
      case 0x7D:
        // 0x7B/0x7D without the extension bit announce a code byte that is not there;
        // meters that send it (e.g. Sensus PolluTherm) put the data right after: keep the
        // record, as an unknown (reserved) primary VIF.
        if (!more) break;
        r.table = v7 == 0x7B ? VifTable::kFB : VifTable::kFD;
        if (pos >= n) return fail(Error::kTruncatedVife, pos, 1);
        r.code = p[pos] & 0x7F;
        more = (p[pos] & 0x80) != 0;
        ++pos;
        ++vife_count;
        break;
      case 0x7C: {
        // Plain-text unit: length byte and ASCII characters follow the VIF directly; VIFEs
        // (when the VIF has its extension bit) come after the text, as real meters send it.
        r.table = VifTable::kPlainText;
        if (pos >= n) return fail(Error::kTruncatedPlainText, pos, 1);
        const std::size_t len = p[pos++];
        if (n - pos < len) return fail(Error::kTruncatedPlainText, pos, len);
        r.plain_text = std::span<const std::uint8_t>(p + pos, len);
        pos += len;
        break;
      }
      case 0x7E: r.table = VifTable::kAny; break;
      default: r.table = VifTable::kManufacturer; break;  // 0x7F
    }
  }
  const std::size_t vifes_begin = pos;
  while (more) [[unlikely]] {
    if (pos >= n) return fail(Error::kTruncatedVife, pos, 1);
    if (vife_count == kMaxVife) return fail(Error::kTooManyVife, pos);
    more = (p[pos] & 0x80) != 0;
    ++pos;
    ++vife_count;
  }
  r.vifes = std::span<const std::uint8_t>(p + vifes_begin, pos - vifes_begin);
  r.header = std::span<const std::uint8_t>(p + start, pos - start);
  // Data field.
  std::size_t len;
  std::uint8_t lvar = 0;
  if (coding == DataCoding::kVariable) [[unlikely]] {
    if (pos >= n) return fail(Error::kTruncatedData, pos, 1);
    lvar = p[pos];
    len = lvar_size(lvar);
    if (len == kReservedLvarSize) {
      err_byte_ = lvar;
      return fail(Error::kReservedLvar, pos);
    }
    ++pos;
  } else {
    len = fixed_data_size(coding);
  }
  r.lvar = lvar;
  if (n - pos < len) return fail(Error::kTruncatedData, pos, len);
  r.data = std::span<const std::uint8_t>(p + pos, len);
  pos += len;
  r.bytes = std::span<const std::uint8_t>(p + start, pos - start);
  pos_ = pos;
  ++count_;
  return true;
}

absl::Status RecordReader::status() const {
  const std::size_t at = base_ + err_at_;
  const std::string what = str_cat("record ", count_);
  const std::size_t left = err_at_ <= data_.size() ? data_.size() - err_at_ : 0;
  switch (error_) {
    case Error::kNone:
      return absl::OkStatus();
    case Error::kTruncatedDife:
      return truncated_error("mbus", str_cat(what, " DIFE"), at, err_need_, left);
    case Error::kTooManyDife:
      return decode_error("mbus", what, at, "more than 10 DIFEs, expected at most 10");
    case Error::kMissingVif:
      return truncated_error("mbus", str_cat(what, " VIF"), at, err_need_, left);
    case Error::kTruncatedVife:
      return truncated_error("mbus", str_cat(what, " VIFE"), at, err_need_, left);
    case Error::kTooManyVife:
      return decode_error("mbus", what, at, "more than 10 VIFEs, expected at most 10");
    case Error::kTruncatedPlainText:
      return truncated_error("mbus", str_cat(what, " plain-text unit"), at, err_need_, left);
    case Error::kTruncatedData:
      return truncated_error("mbus", str_cat(what, " data"), at, err_need_, left);
    case Error::kReservedDif:
      return decode_error("mbus", what, at,
                          str_cat("DIF ", hex(err_byte_),
                                  " is a reserved special function, expected 0x0F, 0x1F, "
                                  "0x2F or 0x7F"));
    case Error::kReservedLvar:
      return decode_error("mbus", what, at,
                          str_cat("LVAR ", hex(err_byte_), " is reserved, expected 0x00-0xF6"));
  }
  return absl::InternalError("mbus: unknown record error");
}

}  // namespace emscore::mbus
