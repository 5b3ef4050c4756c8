// emscore/mbus_io/simulator.hpp — simulated M-Bus slaves on a Link (pty or TCP).
//
// One Simulator is one bus: it reads the master's requests and answers for every meter
// addressed, as meters on a real bus would:
//   SND_NKE -> E5 (and deselects on 0xFD), REQ_UD2 -> RSP_UD (the next telegram of a
//   multi-telegram readout, or the same one again when the FCB did not toggle), select by
//   secondary address with wildcards -> E5, application reset / baud rate / data send
//   -> E5. When several meters answer at once the bytes are combined as on the wire (a
//   0 bit from any sender wins: bitwise AND), so identical E5s stay one E5 and different
//   RSP_UDs become garbage (their checksum is spoilt too: real overlapping answers are not
//   bit-synchronous, so unlike a plain AND they never form a valid frame by chance). Values evolve: the first record of every telegram is a volume
//   counter that grows on each readout. Faults on demand: no answer, bad checksum, slow.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "boost/asio/awaitable.hpp"
#include "emscore/mbus/request.hpp"
#include "emscore/mbus_io/link.hpp"

namespace emscore::mbus_io {

enum class Fault : std::uint8_t { kNone, kNoAnswer, kBadChecksum, kSlow };

struct SimMeter {
  std::uint8_t primary = 0;
  mbus::SecondaryAddress secondary;       // no wildcards
  // Variable data records of each telegram (after the 12-byte header); the simulator
  // prepends the evolving volume record and appends DIF 0x1F on all but the last.
  std::vector<std::vector<std::uint8_t>> telegrams = {{}};
  std::uint32_t volume_litres = 1000;     // first record: 04 13 <litres>, +step per readout
  std::uint32_t step_litres = 7;
  Fault fault = Fault::kNone;
  std::chrono::milliseconds slow_delay{0};
};

struct SimulatorOptions {
  bool echo = false;  // echo every request first, like an adapter without echo suppression
};

class Simulator {
 public:
  Simulator(Link link, std::vector<SimMeter> meters, SimulatorOptions options = {});

  // Serves until the link fails or stop() is called.
  asio::awaitable<void> run();
  void stop() { stopped_ = true; link_.close(); }

  // Thread-safe controls for tests.
  void set_fault(std::size_t meter, Fault f, std::chrono::milliseconds delay = {});
  std::uint32_t volume(std::size_t meter);
  int requests_seen() const { return requests_.load(); }

  // The RSP_UD long frame meter `i` sends for telegram `index` (exposed for tests).
  std::vector<std::uint8_t> build_telegram(std::size_t i, std::size_t index);

 private:
  struct State {
    bool selected = false;
    std::size_t next = 0;
    bool have_fcb = false;
    bool last_fcb = false;
    std::size_t last_sent = 0;
    std::uint8_t access = 0;
  };
  std::vector<std::uint8_t> handle(const std::uint8_t* frame, std::size_t size,
                                   std::chrono::milliseconds& delay);

  Link link_;
  std::vector<SimMeter> meters_;
  std::vector<State> state_;
  SimulatorOptions options_;
  std::mutex mu_;
  std::atomic<bool> stopped_{false};
  std::atomic<int> requests_{0};
};

}  // namespace emscore::mbus_io
