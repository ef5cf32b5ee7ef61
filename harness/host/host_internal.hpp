// Small helpers shared by the host oracle's translation units (not part of its API).
#pragma once
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>

namespace dc::harness::host {

std::string errno_text(int err);

// chattr +S: sets FS_SYNC_FL on the open file; 0 or -errno.
int set_sync_flag(int fd);

// A posix_memalign'd buffer (O_DIRECT needs aligned memory); never empty.
class AlignedBuf {
 public:
  AlignedBuf() = default;
  AlignedBuf(std::size_t n, std::size_t align) : size_(n) {
    void* p = nullptr;
    if (align < sizeof(void*)) align = sizeof(void*);
    if (::posix_memalign(&p, align, n == 0 ? align : n) != 0) throw std::bad_alloc();
    p_ = static_cast<std::uint8_t*>(p);
  }
  AlignedBuf(AlignedBuf&& o) noexcept : p_(o.p_), size_(o.size_) { o.p_ = nullptr, o.size_ = 0; }
  AlignedBuf& operator=(AlignedBuf&& o) noexcept {
    if (this != &o) {
      std::free(p_);
      p_ = o.p_, size_ = o.size_;
      o.p_ = nullptr, o.size_ = 0;
    }
    return *this;
  }
  AlignedBuf(const AlignedBuf&) = delete;
  AlignedBuf& operator=(const AlignedBuf&) = delete;
  ~AlignedBuf() { std::free(p_); }
  std::uint8_t* data() const { return p_; }
  std::size_t size() const { return size_; }

 private:
  std::uint8_t* p_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace dc::harness::host
