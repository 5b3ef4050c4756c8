// refgateway/store_worker.hpp — the profile store on its own thread.
//
// SQLite commits (an fsync per batch with synchronous=FULL) and history queries over months of
// data must not stall the io thread that serves Modbus, HTTP and MQTT. StoreWorker owns the
// profile::Store on one worker thread; the io thread hands it batches and queries and gets the
// answers back on its own executor. Batches are stored in the order given. A reading is stored
// when its batch's completion reports it accepted (the commit has happened).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "boost/asio/any_io_executor.hpp"
#include "boost/asio/thread_pool.hpp"
#include "emscore/profile/store.hpp"

namespace emscore::refgw {

class StoreWorker {
 public:
  // Opens (creates) the store at `path`; `io` is where completions run.
  static absl::StatusOr<std::unique_ptr<StoreWorker>> open(const std::string& path,
                                                           boost::asio::any_io_executor io,
                                                           profile::StoreOptions options = {});
  ~StoreWorker();  // waits for queued work

  using IngestDone = std::function<void(absl::StatusOr<profile::IngestReport>)>;
  void ingest(std::vector<Reading> batch, IngestDone done = {});

  using QueryDone = std::function<void(absl::StatusOr<std::vector<profile::Sample>>)>;
  void query(profile::SeriesKey key, absl::Time from, absl::Time to, QueryDone done);

  using SeriesDone = std::function<void(absl::StatusOr<std::vector<profile::SeriesInfo>>)>;
  void list_series(SeriesDone done);

  // Blocking forms for start-up (before the io thread runs), on the worker thread.
  absl::StatusOr<std::vector<profile::SeriesInfo>> list_series_now();
  absl::StatusOr<std::vector<profile::Sample>> query_now(const profile::SeriesKey& key,
                                                         absl::Time from, absl::Time to);

  // Blocks until everything queued so far is done (shutdown, tests).
  void drain();

 private:
  StoreWorker(std::unique_ptr<profile::Store> store, boost::asio::any_io_executor io);
  std::unique_ptr<profile::Store> store_;
  boost::asio::any_io_executor io_;
  boost::asio::thread_pool thread_{1};
};

}  // namespace emscore::refgw
