// refgateway/mqtt_publisher.hpp — MQTT publishing with store-and-forward (Eclipse Paho C++).
//
// The gateway hands readouts and device configurations to the publisher on its io thread;
// the publisher turns them into messages (mqtt_topics.hpp), writes them to the durable outbox
// (mqtt_outbox.hpp) and returns: no call on the io thread waits for the network.
//
// A sender thread owned by the publisher keeps the broker connection and drains the outbox
// oldest first, with at most `window` messages in flight. An entry leaves the outbox only when
// its delivery is complete: PUBACK (QoS 1), PUBCOMP (QoS 2), or the write to the socket
// (QoS 0). While the broker is unreachable, messages accumulate on disk (bounded by the outbox
// capacity, drops are counted and reported) and are all sent when it returns; after a
// restart of the gateway the outbox is read again, so what was not acknowledged is sent again
// (QoS 1 semantics: at least once; duplicates only where MQTT allows them).
//
// Connection: MQTT 3.1.1 (version 4) with clean session false, or MQTT 5 with clean start
// false and a session expiry interval; keepalive, username/password, TLS (ssl:// or mqtts://,
// CA file, client certificate and key, verify on/off). mqtt:// is read as tcp://. Reconnects
// itself with exponential backoff (min_backoff doubling up to max_backoff); Paho's own
// automatic reconnect and offline buffering are off (the outbox is the buffer) and Paho
// keeps no persistence files.
//
// Events (connected, connection lost, cannot connect, messages dropped, outbox errors) go to
// `on_event`, called on the publisher's sender thread, one at a time. The gateway posts them to
// its io thread (asio::post) before writing them to the EventLog. A failed connection attempt
// is reported once per outage, not per retry.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "config.hpp"
#include "device_table.hpp"
#include "event_log.hpp"
#include "mqtt_outbox.hpp"
#include "mqtt_topics.hpp"

namespace emscore::refgw {

using MqttEventCallback = std::function<void(Severity severity, std::string message)>;

struct MqttPublisherOptions {
  MqttSection mqtt;
  std::string gateway_id;
  std::string outbox_path;  // e.g. <data_dir>/mqtt-outbox.db
  std::size_t outbox_capacity = MqttOutbox::kDefaultCapacity;
  // Messages in flight at most. Keep it at or below the broker's QoS 2 in-flight quota:
  // MQTT 3.1.1 has no flow control, and Mosquitto 2.0 (max_inflight_messages, default 20)
  // answers a QoS 2 PUBLISH beyond its quota with a PUBREC and then drops the message — the
  // client cannot tell. (MQTT 5 brokers announce Receive Maximum; Paho honours it.)
  std::size_t window = 16;
  absl::Duration min_backoff = absl::Seconds(1);
  absl::Duration max_backoff = absl::Seconds(60);
  absl::Duration connect_timeout = absl::Seconds(10);
  absl::Duration session_expiry = absl::Hours(24);  // MQTT 5 session expiry interval
  // An entry sent on an earlier connection whose delivery has not completed this long after a
  // reconnect is sent again (the session resend did not happen, e.g. the broker lost it).
  absl::Duration resend_after = absl::Seconds(30);
  MqttEventCallback on_event;  // may be empty
};

struct MqttStatus {
  bool started = false;
  bool connected = false;
  std::size_t queued = 0;       // in the outbox, in flight included
  std::size_t in_flight = 0;
  std::uint64_t delivered = 0;  // completed deliveries since create()
  std::uint64_t dropped = 0;    // dropped by the outbox capacity policy, over its lifetime
  std::uint64_t connects = 0;   // successful connections since create()
  std::uint64_t enqueue_transactions = 0;  // outbox transactions that added messages
  std::size_t handed_over = 0;  // queue_readout() messages not committed yet
  std::string last_error;       // empty when none yet
  absl::Time last_connected = absl::InfinitePast();
  absl::Time last_disconnected = absl::InfinitePast();
};

class MqttPublisher {
 public:
  // Opens the outbox and builds the client; connects only on start(). Errors: bad topic
  // prefix or gateway id, bad version/qos, bad URI, outbox not openable.
  static absl::StatusOr<std::unique_ptr<MqttPublisher>> create(MqttPublisherOptions options);
  ~MqttPublisher();  // stop(absl::ZeroDuration()) if still running
  MqttPublisher(const MqttPublisher&) = delete;
  MqttPublisher& operator=(const MqttPublisher&) = delete;

  // Starts the sender thread (connects in the background). Idempotent.
  absl::Status start();
  // Sends what it can for up to `flush_timeout` (only while connected), then disconnects and
  // joins the sender thread. What is not delivered stays in the outbox for the next start.
  void stop(absl::Duration flush_timeout = absl::Seconds(5));

  // Enqueues the device's newest readout (device.latest): byobis/<obis> and byregister/<n>
  // per value and lastreadout = `at`, at the configured QoS, not retained. Committed to disk
  // before it returns.
  absl::Status publish_readout(const DeviceEntry& device, absl::Time at);
  // The same from a serial and values (for callers without a DeviceEntry).
  absl::Status publish_readout(std::string_view serial, std::span<const LatestValue> values,
                               absl::Time at);
  // Enqueues the device's retained config/meterconfig/<serial>/... topics (`bus`, may be null,
  // adds the bus name and serial baud rate).
  absl::Status publish_device_config(const DeviceEntry& device, const BusConfig* bus = nullptr);
  // Enqueues arbitrary messages (one transaction).
  absl::Status publish(std::span<const MqttMessage> messages);

  // The device's newest readout like publish_readout(), but without waiting for the disk:
  // the messages are handed to the sender thread, which commits everything handed to it
  // since its last turn in one outbox transaction (group commit) before sending. For the
  // gateway's io thread, which must not spend a commit per device (1,000 devices: ~0.4 s a
  // raster). Committed by stop() at the latest; a process crash can lose only what was
  // handed over in the last moments (the profile store keeps the readings themselves).
  // Commit errors are reported through on_event.
  void queue_readout(const DeviceEntry& device, absl::Time at);

  MqttStatus status() const;
  const MqttTopics& topics() const noexcept;
  // The URI as given to Paho (after mqtt:// -> tcp://, mqtts:// -> ssl://).
  const std::string& server_uri() const noexcept;

 private:
  struct Impl;
  explicit MqttPublisher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace emscore::refgw
