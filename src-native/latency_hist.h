// A latency histogram cheap enough to leave on: log-linear buckets (8 per
// power of two, exact below 16 ns) of nanosecond values, counted on one thread.
// lib/timings.ts uses the same buckets for the stages it measures and turns
// the counts into percentiles.
#pragma once

#include <array>
#include <cstdint>

namespace laio {

constexpr unsigned kLatencyBuckets = 240;

inline unsigned latency_bucket(uint64_t ns) {
  if (ns < 16) return static_cast<unsigned>(ns);
  if (ns >= (uint64_t{1} << 32)) return kLatencyBuckets - 1;
  const unsigned e = 63 - static_cast<unsigned>(__builtin_clzll(ns));  // 4..31
  const unsigned sub = static_cast<unsigned>(ns >> (e - 3)) & 7;
  return 16 + (e - 4) * 8 + sub;
}

struct LatencyHist {
  std::array<uint32_t, kLatencyBuckets> counts{};
  void record(uint64_t ns) { counts[latency_bucket(ns)]++; }
};

}  // namespace laio
