#include "store_worker.hpp"

#include <future>

#include "boost/asio/post.hpp"

namespace emscore::refgw {
namespace asio = boost::asio;

absl::StatusOr<std::unique_ptr<StoreWorker>> StoreWorker::open(const std::string& path,
                                                               asio::any_io_executor io,
                                                               profile::StoreOptions options) {
  auto store = profile::Store::open(path, options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<StoreWorker>(new StoreWorker(std::move(*store), std::move(io)));
}

StoreWorker::StoreWorker(std::unique_ptr<profile::Store> store, asio::any_io_executor io)
    : store_(std::move(store)), io_(std::move(io)) {}

StoreWorker::~StoreWorker() {
  thread_.join();  // runs what is queued, then ends
}

void StoreWorker::ingest(std::vector<Reading> batch, IngestDone done) {
  asio::post(thread_, [this, batch = std::move(batch), done = std::move(done)]() mutable {
    auto report = store_->ingest(batch);
    if (done) asio::post(io_, [done = std::move(done), report = std::move(report)]() mutable {
      done(std::move(report));
    });
  });
}

void StoreWorker::query(profile::SeriesKey key, absl::Time from, absl::Time to, QueryDone done) {
  asio::post(thread_, [this, key, from, to, done = std::move(done)]() mutable {
    auto samples = store_->query(key, from, to);
    asio::post(io_, [done = std::move(done), samples = std::move(samples)]() mutable {
      done(std::move(samples));
    });
  });
}

void StoreWorker::list_series(SeriesDone done) {
  asio::post(thread_, [this, done = std::move(done)]() mutable {
    auto series = store_->list_series();
    asio::post(io_, [done = std::move(done), series = std::move(series)]() mutable {
      done(std::move(series));
    });
  });
}

absl::StatusOr<std::vector<profile::SeriesInfo>> StoreWorker::list_series_now() {
  std::promise<absl::StatusOr<std::vector<profile::SeriesInfo>>> p;
  auto f = p.get_future();
  asio::post(thread_, [&] { p.set_value(store_->list_series()); });
  return f.get();
}

absl::StatusOr<std::vector<profile::Sample>> StoreWorker::query_now(const profile::SeriesKey& key,
                                                                    absl::Time from, absl::Time to) {
  std::promise<absl::StatusOr<std::vector<profile::Sample>>> p;
  auto f = p.get_future();
  asio::post(thread_, [&] { p.set_value(store_->query(key, from, to)); });
  return f.get();
}

void StoreWorker::drain() {
  std::promise<void> p;
  auto f = p.get_future();
  asio::post(thread_, [&p] { p.set_value(); });
  f.wait();
}

}  // namespace emscore::refgw
