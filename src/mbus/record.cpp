#include "emscore/mbus/record.hpp"

#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"

namespace emscore::mbus {

std::string_view function_name(Function f) noexcept {
  switch (f) {
    case Function::kInstantaneous: return "Instantaneous value";
    case Function::kMaximum: return "Maximum value";
    case Function::kMinimum: return "Minimum value";
    case Function::kError: return "Value during error state";
  }
  return "Instantaneous value";
}

bool RecordReader::next(Record& r) noexcept {
  if (done_ || error_ != Error::kNone) return false;
  const std::size_t n = data_.size();
  // Idle filler bytes between records (EN 13757-3 §6.3.3, DIF 0x2F).
  while (pos_ < n && data_[pos_] == 0x2F) ++pos_;
  if (pos_ >= n) {
    done_ = true;
    return false;
  }
  const std::size_t start = pos_;
  // Field by field rather than `r = Record{}`: the aggregate clear compiles to a string
  // store that costs more than the rest of a typical record.
  const std::span<const std::uint8_t> none;
  r.kind = RecordKind::kData;
  r.offset = base_ + start;
  r.order = order_;
  r.header = r.data = r.vifes = r.plain_text = r.bytes = none;
  r.coding = DataCoding::kNone;
  r.function = Function::kInstantaneous;
  r.dife_count = 0;
  r.storage = 0;
  r.tariff = 0;
  r.subunit = 0;
  r.lvar = 0;
  r.table = VifTable::kNone;
  r.vif = 0;
  r.code = 0;
  const std::uint8_t dif = data_[pos_++];
  r.dif = dif;
  if (dif == 0x0F || dif == 0x1F) {
    // Manufacturer specific data to the end of the telegram (EN 13757-3 §6.3.3).
    r.kind = dif == 0x1F ? RecordKind::kMoreRecordsFollow : RecordKind::kManufacturerSpecific;
    r.coding = DataCoding::kSpecial;
    r.header = data_.subspan(start, 1);
    r.data = data_.subspan(pos_);
    r.bytes = data_.subspan(start);
    if (dif == 0x1F) more_follow_ = true;
    pos_ = n;
    done_ = true;
    ++count_;
    return true;
  }
  if (dif == 0x7F) {
    r.kind = RecordKind::kGlobalReadout;
    r.coding = DataCoding::kSpecial;
    r.header = r.bytes = data_.subspan(start, 1);
    ++count_;
    return true;
  }
  if ((dif & 0x0F) == 0x0F) {
    err_byte_ = dif;
    return fail(Error::kReservedDif, start);
  }
  r.coding = static_cast<DataCoding>(dif & 0x0F);
  r.function = static_cast<Function>((dif >> 4) & 0x03);
  // DIFEs (accumulated in locals: reading fields back right after the Record was cleared
  // stalls on store forwarding).
  std::uint64_t storage = (dif >> 6) & 0x01;
  std::uint32_t tariff = 0;
  unsigned subunit = 0;
  unsigned difes = 0;
  std::uint8_t prev = dif;
  while (prev & 0x80) {
    if (pos_ >= n) return fail(Error::kTruncatedDife, pos_, 1);
    if (difes == kMaxDife) return fail(Error::kTooManyDife, pos_);
    const std::uint8_t e = data_[pos_++];
    const unsigned i = difes++;
    storage |= std::uint64_t{e & 0x0Fu} << (1 + 4 * i);
    tariff |= std::uint32_t{(e >> 4) & 0x03u} << (2 * i);
    subunit |= ((e >> 6) & 0x01u) << i;
    prev = e;
  }
  r.storage = storage;
  r.tariff = tariff;
  r.subunit = static_cast<std::uint16_t>(subunit);
  r.dife_count = static_cast<std::uint8_t>(difes);
  // VIB (a VIF is mandatory after a data DIF, EN 13757-3 §6.3.1).
  if (pos_ >= n) return fail(Error::kMissingVif, pos_, 1);
  const std::uint8_t vif = data_[pos_++];
  r.vif = vif;
  const std::uint8_t v7 = vif & 0x7F;
  bool more = (vif & 0x80) != 0;
  std::size_t vife_count = 0;
  switch (v7) {
    case 0x7B:
    case 0x7D:
      if (!more) {
        // 0x7B/0x7D without the extension bit announce a code byte that is not there;
        // meters that send it (e.g. Sensus PolluTherm) put the data right after: keep the
        // record, as an unknown (reserved) primary VIF.
        r.table = VifTable::kPrimary;
        r.code = v7;
        break;
      }
      r.table = v7 == 0x7B ? VifTable::kFB : VifTable::kFD;
      if (pos_ >= n) return fail(Error::kTruncatedVife, pos_, 1);
      r.code = data_[pos_] & 0x7F;
      more = (data_[pos_] & 0x80) != 0;
      ++pos_;
      ++vife_count;
      break;
    case 0x7C: {
      // Plain-text unit: length byte and ASCII characters follow the VIF directly; VIFEs
      // (when the VIF has its extension bit) come after the text, as real meters send it.
      r.table = VifTable::kPlainText;
      r.code = v7;
      if (pos_ >= n) return fail(Error::kTruncatedPlainText, pos_, 1);
      const std::size_t len = data_[pos_++];
      if (n - pos_ < len) return fail(Error::kTruncatedPlainText, pos_, len);
      r.plain_text = data_.subspan(pos_, len);
      pos_ += len;
      break;
    }
    case 0x7E: r.table = VifTable::kAny; r.code = v7; break;
    case 0x7F: r.table = VifTable::kManufacturer; r.code = v7; break;
    default: r.table = VifTable::kPrimary; r.code = v7; break;
  }
  const std::size_t vifes_begin = pos_;
  while (more) {
    if (pos_ >= n) return fail(Error::kTruncatedVife, pos_, 1);
    if (vife_count == kMaxVife) return fail(Error::kTooManyVife, pos_);
    more = (data_[pos_] & 0x80) != 0;
    ++pos_;
    ++vife_count;
  }
  r.vifes = data_.subspan(vifes_begin, pos_ - vifes_begin);
  r.header = data_.subspan(start, pos_ - start);
  // Data field.
  std::size_t len = 0;
  if (r.coding == DataCoding::kVariable) {
    if (pos_ >= n) return fail(Error::kTruncatedData, pos_, 1);
    const std::uint8_t lvar = data_[pos_];
    r.lvar = lvar;
    if (lvar <= 0xBF) {
      len = lvar;                                  // ASCII text
    } else if (lvar <= 0xCF) {
      len = lvar - 0xC0u;                          // positive BCD, 2 digits a byte
    } else if (lvar <= 0xDF) {
      len = lvar - 0xD0u;                          // negative BCD
    } else if (lvar <= 0xEF) {
      len = lvar - 0xE0u;                          // binary number
    } else if (lvar <= 0xF4) {
      len = 4u * (lvar - 0xECu);                   // binary, 16..32 bytes
    } else if (lvar == 0xF5) {
      len = 48;
    } else if (lvar == 0xF6) {
      len = 64;
    } else {
      err_byte_ = lvar;
      return fail(Error::kReservedLvar, pos_);
    }
    ++pos_;
  } else {
    len = fixed_data_size(r.coding);
  }
  if (n - pos_ < len) return fail(Error::kTruncatedData, pos_, len);
  r.data = data_.subspan(pos_, len);
  pos_ += len;
  r.bytes = data_.subspan(start, pos_ - start);
  r.kind = RecordKind::kData;
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
