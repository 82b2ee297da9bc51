#include "read_heat.h"

#include <algorithm>

namespace laio {

bool ReadHeat::cold(int fd) const {
  const int* score = scores_.find(fd);
  return score != nullptr && *score >= kCold;
}

void ReadHeat::hit(int fd) {
  if (int* score = scores_.find(fd)) *score = std::max(0, *score - kHit);
}

void ReadHeat::miss(int fd) {
  const int* score = scores_.find(fd);
  scores_.put(fd, 0, score == nullptr ? kMiss : std::min(kMax, *score + kMiss));
}

}  // namespace laio
