#include "mqtt_publisher.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "emscore/core/status.hpp"
#include "emscore/core/strings.hpp"
#include "mqtt/async_client.h"

namespace emscore::refgw {

namespace {

void* context_of(std::int64_t id) { return reinterpret_cast<void*>(static_cast<std::intptr_t>(id)); }
std::int64_t id_of(const mqtt::token& tok) {
  return static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(tok.get_user_context()));
}

int whole_seconds(absl::Duration d) {
  return static_cast<int>(std::clamp<std::int64_t>(absl::ToInt64Seconds(d), 0, INT32_MAX));
}

std::string token_error(const mqtt::token& tok) {
  std::string out = mqtt::exception::error_str(tok.get_return_code());
  if (tok.get_reason_code() != mqtt::ReasonCode::SUCCESS) {
    out = str_cat(out, " (", mqtt::exception::reason_code_str(tok.get_reason_code()), ")");
  }
  return out;
}

// Paho's URI schemes: tcp:// and ssl:// (mqtt:// and mqtts:// are their common names).
std::string paho_uri(std::string_view uri, bool* is_ssl) {
  std::string out(uri);
  if (out.starts_with("mqtt://")) out = "tcp://" + out.substr(7);
  if (out.starts_with("mqtts://")) out = "ssl://" + out.substr(8);
  *is_ssl = out.starts_with("ssl://") || out.starts_with("wss://");
  return out;
}

}  // namespace

struct MqttPublisher::Impl {
  class PublishListener final : public mqtt::iaction_listener {
   public:
    explicit PublishListener(Impl* impl) : impl_(impl) {}
    void on_success(const mqtt::token& tok) override { impl_->on_delivery(id_of(tok), true, tok); }
    void on_failure(const mqtt::token& tok) override { impl_->on_delivery(id_of(tok), false, tok); }

   private:
    Impl* impl_;
  };
  class ConnectListener final : public mqtt::iaction_listener {
   public:
    explicit ConnectListener(Impl* impl) : impl_(impl) {}
    void on_success(const mqtt::token&) override { impl_->on_connected(); }
    void on_failure(const mqtt::token& tok) override { impl_->on_connect_failed(token_error(tok)); }

   private:
    Impl* impl_;
  };

  Impl(MqttPublisherOptions o, MqttTopics t) : opt(std::move(o)), topics(std::move(t)) {}

  MqttPublisherOptions opt;
  MqttTopics topics;
  std::unique_ptr<MqttOutbox> outbox;
  std::string uri;
  mqtt::connect_options conn_opts;

  mutable std::mutex mu;
  std::condition_variable cv;
  bool wake = false;
  bool started = false;
  bool running = false;  // the sender thread is in its loop
  bool stopping = false;
  absl::Time stop_deadline;
  bool connected = false;
  bool connecting = false;
  bool outage_reported = false;
  std::uint64_t generation = 0;
  absl::Time connected_at = absl::InfinitePast();
  absl::Duration backoff;
  absl::Time next_attempt = absl::InfinitePast();
  absl::flat_hash_map<std::int64_t, std::uint64_t> in_flight;  // id -> connection generation
  std::vector<std::int64_t> completed;
  std::vector<std::int64_t> failed;
  std::vector<std::pair<Severity, std::string>> events;
  std::uint64_t delivered = 0;
  std::uint64_t connects = 0;
  std::uint64_t enqueue_transactions = 0;
  std::vector<MqttMessage> handed;  // queue_readout(), committed by the sender thread
  std::string last_error;
  std::string last_tls_error;
  absl::Time last_connected = absl::InfinitePast();
  absl::Time last_disconnected = absl::InfinitePast();
  std::thread sender;

  PublishListener publish_listener{this};
  ConnectListener connect_listener{this};
  // Declared last: destroyed first, before the listeners it calls.
  std::unique_ptr<mqtt::async_client> client;

  void notify_locked() {
    wake = true;
    cv.notify_all();
  }
  void event_locked(Severity s, std::string message) { events.emplace_back(s, std::move(message)); }

  // One outbox transaction; any thread, without `mu` held.
  absl::Status enqueue(std::span<const MqttMessage> messages) {
    EMSCORE_ASSIGN_OR_RETURN(EnqueueResult r, outbox->enqueue(messages));
    std::lock_guard lock(mu);
    ++enqueue_transactions;
    if (r.dropped > 0) {
      event_locked(Severity::kWarning,
                   str_cat("mqtt outbox full (", outbox->capacity(), " messages): dropped the ",
                           r.dropped, " oldest undelivered messages (", outbox->dropped_total(),
                           " in total)"));
    }
    notify_locked();
    return absl::OkStatus();
  }
  // Commits what queue_readout() handed over; with `mu` held (released meanwhile).
  void commit_handed_locked(std::unique_lock<std::mutex>& lk) {
    if (handed.empty()) return;
    std::vector<MqttMessage> batch = std::move(handed);
    handed.clear();
    lk.unlock();
    const absl::Status st = enqueue(batch);
    lk.lock();
    if (!st.ok()) {
      event_locked(Severity::kError, str_cat("mqtt: ", batch.size(), " messages not queued: ", st.message()));
    }
  }

  // --- Paho callback thread ---
  void on_delivery(std::int64_t id, bool ok, const mqtt::token& tok) {
    std::lock_guard lock(mu);
    in_flight.erase(id);
    if (ok) {
      completed.push_back(id);
      ++delivered;
    } else {
      failed.push_back(id);
      last_error = str_cat("publish of outbox entry ", id, " failed: ", token_error(tok));
    }
    notify_locked();
  }

  void on_connected() {
    std::lock_guard lock(mu);
    // A connect that completes after the sender stopped is left alone: the client's
    // destructor closes it, a later start() finds it connected.
    if (!running) return;
    const absl::Time now = absl::Now();
    connected = true;
    connecting = false;
    ++generation;
    ++connects;
    connected_at = now;
    last_connected = now;
    backoff = opt.min_backoff;
    event_locked(Severity::kInfo,
                 str_cat(outage_reported ? "connection restored to " : "connected to ", uri,
                         " (MQTT ", opt.mqtt.version == 5 ? "5" : "3.1.1", "), ",
                         outbox->size(), " messages queued"));
    outage_reported = false;
    notify_locked();
  }

  void on_connect_failed(std::string why) {
    std::lock_guard lock(mu);
    connecting = false;
    connected = false;
    if (!last_tls_error.empty()) why = str_cat(why, "; TLS: ", last_tls_error);
    last_tls_error.clear();
    last_error = str_cat("cannot connect to ", uri, ": ", why);
    next_attempt = absl::Now() + backoff;
    backoff = std::min(backoff * 2, opt.max_backoff);
    if (!outage_reported) {
      outage_reported = true;
      event_locked(Severity::kWarning,
                   str_cat(last_error, "; retrying (backoff up to ",
                           absl::FormatDuration(opt.max_backoff), "), messages stay queued"));
    }
    notify_locked();
  }

  void on_connection_lost(const std::string& cause) {
    std::lock_guard lock(mu);
    if (!connected) return;
    connected = false;
    last_disconnected = absl::Now();
    last_error = str_cat("connection to ", uri, " lost",
                         cause.empty() ? std::string() : str_cat(": ", cause));
    // First retry at once, then back off.
    next_attempt = last_disconnected;
    backoff = opt.min_backoff;
    if (!outage_reported) {
      outage_reported = true;
      event_locked(Severity::kWarning, str_cat(last_error, "; ", outbox->size(),
                                               " messages queued, reconnecting"));
    }
    notify_locked();
  }

  // --- sender thread ---
  void begin_connect() {
    if (client->is_connected()) {  // connected while no sender ran (a late connect)
      on_connected();
      return;
    }
    try {
      client->connect(conn_opts, nullptr, connect_listener);
    } catch (const std::exception& ex) {
      on_connect_failed(ex.what());
    }
  }

  // Sends up to `room` entries; returns how many it handed to Paho.
  std::size_t send_some(std::size_t room, std::uint64_t gen) {
    auto batch = outbox->claim(room);
    if (!batch.ok()) {
      std::lock_guard lock(mu);
      std::string error(to_std(batch.status().message()));
      if (error != last_error) event_locked(Severity::kError, error);  // once, not every tick
      last_error = std::move(error);
      return 0;
    }
    std::size_t sent = 0;
    for (std::size_t i = 0; i < batch->size(); ++i) {
      const OutboxEntry& e = (*batch)[i];
      {
        // Registered before publish(): the completion may arrive before publish() returns.
        std::lock_guard lock(mu);
        in_flight[e.id] = gen;
      }
      try {
        client->publish(e.message.topic, e.message.payload.data(), e.message.payload.size(),
                        e.message.qos, e.message.retained, context_of(e.id), publish_listener);
        ++sent;
      } catch (const std::exception& ex) {
        std::lock_guard lock(mu);
        last_error = str_cat("publish to ", e.message.topic, ": ", ex.what());
        for (std::size_t j = i; j < batch->size(); ++j) {
          in_flight.erase((*batch)[j].id);
          outbox->release((*batch)[j].id);
        }
        break;
      }
    }
    return sent;
  }

  void run() {
    std::unique_lock lk(mu);
    while (true) {
      if (!handed.empty()) {
        commit_handed_locked(lk);
        continue;
      }
      if (!events.empty() || !completed.empty() || !failed.empty()) {
        auto evs = std::move(events);
        auto done = std::move(completed);
        auto bad = std::move(failed);
        events.clear();
        completed.clear();
        failed.clear();
        lk.unlock();
        if (!done.empty()) {
          absl::Status st = outbox->ack(done);
          if (!st.ok()) evs.emplace_back(Severity::kError, std::string(to_std(st.message())));
        }
        for (std::int64_t id : bad) outbox->release(id);
        for (auto& [severity, message] : evs) {
          if (opt.on_event) opt.on_event(severity, std::move(message));
        }
        lk.lock();
        continue;
      }
      const absl::Time now = absl::Now();
      if (stopping) {
        if (!connected || outbox->size() == 0 || now >= stop_deadline) break;
      }
      if (!connected) {
        if (!connecting && !stopping && now >= next_attempt) {
          connecting = true;
          lk.unlock();
          begin_connect();
          lk.lock();
          continue;
        }
      } else {
        if (now - connected_at >= opt.resend_after) {
          // Entries from an earlier connection that the session resend did not complete.
          std::vector<std::int64_t> stale;
          for (const auto& [id, gen] : in_flight) {
            if (gen < generation) stale.push_back(id);
          }
          for (std::int64_t id : stale) {
            in_flight.erase(id);
            outbox->release(id);
          }
        }
        const std::size_t room = opt.window > in_flight.size() ? opt.window - in_flight.size() : 0;
        if (room > 0) {
          const std::uint64_t gen = generation;
          lk.unlock();
          const std::size_t sent = send_some(room, gen);
          lk.lock();
          if (sent > 0) continue;
        }
      }
      absl::Duration wait = absl::Milliseconds(200);
      if (!connected && !connecting && !stopping) {
        wait = std::clamp(next_attempt - now, absl::Milliseconds(1), wait);
      }
      cv.wait_for(lk, absl::ToChronoMilliseconds(wait), [&] { return wake; });
      wake = false;
    }
    commit_handed_locked(lk);  // handed over while stopping: kept for the next start
    const bool was_connected = connected;
    lk.unlock();
    if (was_connected || client->is_connected()) {
      try {
        client->disconnect(1000)->wait_for(std::chrono::seconds(2));
      } catch (const std::exception&) {
        // Disconnecting is best effort: the outbox keeps what was not acknowledged.
      }
    }
    lk.lock();
    running = false;  // from here on queue_readout() commits by itself
    commit_handed_locked(lk);
    connected = false;
    connecting = false;
    in_flight.clear();
    outbox->release_all();
    // Completions that arrived during the flush still count: delete those entries.
    auto done = std::move(completed);
    completed.clear();
    failed.clear();
    auto evs = std::move(events);
    events.clear();
    lk.unlock();
    if (!done.empty()) (void)outbox->ack(done);
    for (auto& [severity, message] : evs) {
      if (opt.on_event) opt.on_event(severity, std::move(message));
    }
  }
};

MqttPublisher::MqttPublisher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MqttPublisher::~MqttPublisher() { stop(absl::ZeroDuration()); }

absl::StatusOr<std::unique_ptr<MqttPublisher>> MqttPublisher::create(MqttPublisherOptions options) {
  const MqttSection& m = options.mqtt;
  if (m.version != 4 && m.version != 5) {
    return absl::InvalidArgumentError(
        str_cat("mqtt: version ", m.version, ", expected 4 (MQTT 3.1.1) or 5"));
  }
  if (m.qos < 0 || m.qos > 2) {
    return absl::InvalidArgumentError(str_cat("mqtt: qos ", m.qos, ", expected 0, 1 or 2"));
  }
  if (options.window == 0) {
    return absl::InvalidArgumentError("mqtt: window 0, expected at least 1 message in flight");
  }
  if (options.min_backoff <= absl::ZeroDuration() || options.max_backoff < options.min_backoff) {
    return absl::InvalidArgumentError("mqtt: backoff must satisfy 0 < min_backoff <= max_backoff");
  }
  EMSCORE_ASSIGN_OR_RETURN(MqttTopics topics, MqttTopics::create(m.prefix, options.gateway_id));
  bool is_ssl = false;
  std::string uri = paho_uri(m.uri, &is_ssl);
  if (m.tls && !is_ssl) {
    return absl::InvalidArgumentError(str_cat(
        "mqtt: uri \"", m.uri, "\" is not a TLS URI but tls settings are given, expected ssl://",
        " or mqtts://"));
  }
  if (m.tls) {
    for (const std::string* f : {&m.tls->ca_file, &m.tls->cert_file, &m.tls->key_file}) {
      if (!f->empty() && ::access(f->c_str(), R_OK) != 0) {
        return absl::InvalidArgumentError(
            str_cat("mqtt: tls file \"", *f, "\" is not readable, expected a PEM file"));
      }
    }
    if (m.tls->cert_file.empty() != m.tls->key_file.empty()) {
      return absl::InvalidArgumentError(
          "mqtt: tls cert_file and key_file go together, expected both or neither");
    }
  }

  auto impl = std::make_unique<Impl>(std::move(options), std::move(topics));
  Impl& d = *impl;
  const MqttSection& mq = d.opt.mqtt;  // `options` is moved from now
  d.uri = uri;
  d.backoff = d.opt.min_backoff;
  EMSCORE_ASSIGN_OR_RETURN(d.outbox,
                           MqttOutbox::open(d.opt.outbox_path, d.opt.outbox_capacity));
  const std::string client_id = mq.client_id.empty() ? d.opt.gateway_id : mq.client_id;
  try {
    // No Paho persistence and no offline buffering: the outbox is the store.
    mqtt::create_options create(mq.version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1);
    d.client = std::make_unique<mqtt::async_client>(uri, client_id, create, nullptr);
  } catch (const std::exception& ex) {
    return absl::InvalidArgumentError(
        str_cat("mqtt: cannot create a client for \"", mq.uri, "\": ", ex.what()));
  }
  Impl* raw = impl.get();
  d.client->set_connection_lost_handler([raw](const std::string& cause) {
    raw->on_connection_lost(cause.empty() ? "connection closed" : cause);
  });
  d.client->set_disconnected_handler([raw](const mqtt::properties&, mqtt::ReasonCode rc) {
    raw->on_connection_lost(str_cat("broker disconnected: ", mqtt::exception::reason_code_str(rc)));
  });

  mqtt::connect_options& co = d.conn_opts;
  co.set_mqtt_version(mq.version == 5 ? MQTTVERSION_5 : MQTTVERSION_3_1_1);
  if (mq.version == 5) {
    co.set_clean_start(false);
    co.set_properties(mqtt::properties{
        {mqtt::property::SESSION_EXPIRY_INTERVAL, whole_seconds(d.opt.session_expiry)}});
  } else {
    co.set_clean_session(false);
  }
  co.set_keep_alive_interval(std::max(1, whole_seconds(mq.keepalive)));
  co.set_connect_timeout(std::max(1, whole_seconds(d.opt.connect_timeout)));
  co.set_automatic_reconnect(false);
  co.set_max_inflight(static_cast<int>(std::min<std::size_t>(d.opt.window + 16, 65535)));
  if (!mq.username.empty()) co.set_user_name(mq.username);
  if (!mq.password.empty()) co.set_password(mq.password);
  if (is_ssl) {
    mqtt::ssl_options ssl;
    if (mq.tls) {
      if (!mq.tls->ca_file.empty()) ssl.set_trust_store(mq.tls->ca_file);
      if (!mq.tls->cert_file.empty()) ssl.set_key_store(mq.tls->cert_file);
      if (!mq.tls->key_file.empty()) ssl.set_private_key(mq.tls->key_file);
      ssl.set_enable_server_cert_auth(mq.tls->verify);
      ssl.set_verify(mq.tls->verify);
    }
    // No ssl.set_error_handler(): with Paho C++ 1.2.0 the handler's context pointer does not
    // follow the ssl_options through connect_options copies, and a failed handshake then
    // jumps through a dangling pointer (seen under ASan). A failed handshake is reported
    // with Paho's return code instead.
    co.set_ssl(std::move(ssl));
  }
  return std::unique_ptr<MqttPublisher>(new MqttPublisher(std::move(impl)));
}

absl::Status MqttPublisher::start() {
  Impl& d = *impl_;
  std::lock_guard lock(d.mu);
  if (d.started) return absl::OkStatus();
  d.started = true;
  d.running = true;
  d.stopping = false;
  d.next_attempt = absl::InfinitePast();
  d.backoff = d.opt.min_backoff;
  d.sender = std::thread([&d] { d.run(); });
  return absl::OkStatus();
}

void MqttPublisher::stop(absl::Duration flush_timeout) {
  Impl& d = *impl_;
  {
    std::lock_guard lock(d.mu);
    if (!d.started) return;
    d.stopping = true;
    d.stop_deadline = absl::Now() + flush_timeout;
    d.notify_locked();
  }
  if (d.sender.joinable()) d.sender.join();
  std::lock_guard lock(d.mu);
  d.started = false;
  d.stopping = false;
}

absl::Status MqttPublisher::publish(std::span<const MqttMessage> messages) {
  return impl_->enqueue(messages);
}

void MqttPublisher::queue_readout(const DeviceEntry& device, absl::Time at) {
  Impl& d = *impl_;
  auto messages = readout_messages(d.topics, device.config.serial, device.latest, at, d.opt.mqtt.qos);
  std::unique_lock lk(d.mu);
  d.handed.insert(d.handed.end(), std::make_move_iterator(messages.begin()),
                  std::make_move_iterator(messages.end()));
  // Without a sender thread nobody else commits: do it here.
  if (!d.running) {
    d.commit_handed_locked(lk);
    return;
  }
  d.notify_locked();
}

absl::Status MqttPublisher::publish_readout(std::string_view serial,
                                            std::span<const LatestValue> values, absl::Time at) {
  const auto messages = readout_messages(impl_->topics, serial, values, at, impl_->opt.mqtt.qos);
  return publish(messages);
}

absl::Status MqttPublisher::publish_readout(const DeviceEntry& device, absl::Time at) {
  return publish_readout(device.config.serial, device.latest, at);
}

absl::Status MqttPublisher::publish_device_config(const DeviceEntry& device, const BusConfig* bus) {
  const auto messages = device_config_messages(impl_->topics, device, bus, impl_->opt.mqtt.qos);
  return publish(messages);
}

MqttStatus MqttPublisher::status() const {
  const Impl& d = *impl_;
  std::lock_guard lock(d.mu);
  MqttStatus s;
  s.started = d.started;
  s.connected = d.connected;
  s.queued = d.outbox->size();
  s.in_flight = d.in_flight.size();
  s.delivered = d.delivered;
  s.dropped = d.outbox->dropped_total();
  s.connects = d.connects;
  s.enqueue_transactions = d.enqueue_transactions;
  s.handed_over = d.handed.size();
  s.last_error = d.last_error;
  s.last_connected = d.last_connected;
  s.last_disconnected = d.last_disconnected;
  return s;
}

const MqttTopics& MqttPublisher::topics() const noexcept { return impl_->topics; }
const std::string& MqttPublisher::server_uri() const noexcept { return impl_->uri; }

}  // namespace emscore::refgw
