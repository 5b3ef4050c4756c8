#include "emscore/control/event.hpp"

#include "emscore/control/command.hpp"
#include "emscore/core/strings.hpp"
#include "emscore/core/time.hpp"
#include "emscore/core/value.hpp"

namespace emscore::control {

std::string Event::to_string() const {
  return str_cat(format_iso8601_utc(at), " ", event_kind_name(kind), " ", source, ": ", message);
}

std::string format_amps(MilliAmps ma) {
  return str_cat(Value(ma, -3, Unit::kAmpere).to_string(), " A");
}

std::string Command::to_string() const {
  std::string out = str_cat("station ", station.id, ": ", command_kind_name(kind));
  if (kind == CommandKind::kStart || kind == CommandKind::kSetCurrent) {
    out += str_cat(" ", format_amps(current));
  }
  out += str_cat(" (", reason_name(reason));
  if (!detail.empty()) out += str_cat(": ", detail);
  out += ")";
  return out;
}

}  // namespace emscore::control
