// refgateway/mqtt_outbox.hpp — the durable FIFO of MQTT messages not yet delivered.
//
// Every message the gateway publishes is first written here (an SQLite table in WAL mode in
// the gateway's data dir) and only deleted when the broker has acknowledged it (ack()). So a
// broker outage, a network outage, a crash or a kill -9 of the gateway lose nothing that
// enqueue() had returned for: the rows are committed before enqueue() returns.
//
// Durability: WAL with synchronous=NORMAL. A committed row survives the process being killed
// at any moment; after a power loss the last few commits may be lost (SQLite's documented
// WAL/NORMAL trade-off; FULL would fsync on every acknowledgement).
//
// In flight: claim(n) hands out the oldest n entries that are not already in flight and marks
// them in flight (in memory only: after a restart nothing is in flight, so an entry that was
// sent but not acknowledged is sent again — MQTT QoS 1 "at least once"). release() puts an
// entry back (its send failed); ack() deletes it. The in-flight set is the publisher's window.
//
// Capacity: at most `capacity` entries. When an enqueue would exceed it, the oldest entries
// that are neither retained nor in flight are deleted first (readings age out oldest first),
// then, if still needed, the oldest retained ones. Every drop is counted: the result of
// enqueue says how many it dropped, dropped_total() the count over the file's lifetime
// (persisted). A retained message replaces a queued, not-in-flight retained message on the
// same topic (the broker would keep only the newest one anyway), so configuration updates
// never pile up.
//
// Thread-safe: one mutex around the SQLite connection and the in-flight set.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "mqtt_topics.hpp"

namespace emscore::refgw {

struct OutboxEntry {
  std::int64_t id = 0;  // increasing in enqueue order
  MqttMessage message;
};

struct EnqueueResult {
  std::vector<std::int64_t> ids;  // one per message, in order
  std::uint64_t dropped = 0;      // entries deleted to make room (capacity policy)
  std::uint64_t replaced = 0;     // retained entries superseded by a newer one on their topic
};

class MqttOutbox {
 public:
  static constexpr std::size_t kDefaultCapacity = 200'000;

  // Opens or creates the outbox file. capacity >= 1.
  static absl::StatusOr<std::unique_ptr<MqttOutbox>> open(const std::string& path,
                                                          std::size_t capacity = kDefaultCapacity);
  ~MqttOutbox();
  MqttOutbox(const MqttOutbox&) = delete;
  MqttOutbox& operator=(const MqttOutbox&) = delete;

  // Appends one message; committed before it returns. Returns its id.
  absl::StatusOr<std::int64_t> enqueue(const MqttMessage& message);
  // Appends all messages in one transaction (all or none).
  absl::StatusOr<EnqueueResult> enqueue(std::span<const MqttMessage> messages);

  // Up to n oldest entries that are not in flight (no side effect).
  absl::StatusOr<std::vector<OutboxEntry>> peek(std::size_t n) const;
  // Like peek(), and marks the returned entries in flight.
  absl::StatusOr<std::vector<OutboxEntry>> claim(std::size_t n);
  // Back to not-in-flight (the send failed); no-op for unknown ids.
  void release(std::int64_t id);
  void release_all();
  // Deletes delivered entries (committed before return); unknown ids are ignored (an entry
  // may be acknowledged twice after a resend).
  absl::Status ack(std::int64_t id);
  absl::Status ack(std::span<const std::int64_t> ids);

  std::size_t size() const;       // entries on disk (in flight included)
  std::size_t in_flight() const;
  std::size_t capacity() const noexcept { return capacity_; }
  std::uint64_t dropped_total() const;  // over the file's lifetime
  const std::string& path() const noexcept;

 private:
  struct Impl;
  MqttOutbox(std::unique_ptr<Impl> impl, std::size_t capacity);
  std::unique_ptr<Impl> impl_;
  std::size_t capacity_;
};

}  // namespace emscore::refgw
