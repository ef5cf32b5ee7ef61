// The tracked allocator (kmalloc/kzalloc/kfree, kmem_cache). Every object of the protocol
// (dio, kiocb, io_end, ioend, workqueue, bio) comes from here, so that
//   - a kfree of freed memory is a DoubleFree finding,
//   - kasan_check() on freed memory is a UseAfterFree finding (the port calls it where the
//     kernel dereferences an object whose lifetime is in question),
//   - objects alive at the end of an execution are Leak findings.
// Freed memory stays quarantined (readable, never reused) until the execution ends, so a
// use after free is reported, never a crash of the checker.
#pragma once
#include <cstddef>
#include <new>
#include <utility>
#include <vector>

#include "impl/kernel/fault.hpp"
#include "impl/kernel/sched.hpp"

namespace dc::kern {

enum gfp_t : unsigned { GFP_KERNEL = 1, GFP_NOFS = 2, GFP_ATOMIC = 4 };

class Slab {
 public:
  struct Record {
    void* ptr;
    void (*destroy)(void*);
    const char* type;
    model::ObjId id;
    bool freed;
    bool reported;  // a use-after-free on it was already reported
  };

  // Allocation: may fail by injected fault (returns nullptr), may sleep for GFP_KERNEL.
  template <class T, class... Args>
  T* alloc(const char* type, gfp_t gfp, Args&&... args);
  void free(const void* p, const char* type);
  void check(const void* p, const char* what);  // KASAN-style access check
  model::ObjId id_of(const void* p) const;
  bool is_live(const void* p) const;
  // End of execution: report leaks (unless told not to), then release all memory.
  void end_execution(bool report_leaks);
  std::size_t live_count() const;

  // The installed execution's slab (impl/kernel/execution.hpp); null outside one.
  static Slab* current();

 private:
  Record* find(const void* p);
  const Record* find(const void* p) const;
  std::vector<Record> records_;
};

template <class T, class... Args>
T* Slab::alloc(const char* type, gfp_t gfp, Args&&... args) {
  if (gfp & (GFP_KERNEL | GFP_NOFS)) might_sleep("kmalloc(GFP_KERNEL)");
  if (FaultInjector* f = FaultInjector::current(); f && f->fail_alloc(type)) return nullptr;
  T* obj = new T(std::forward<Args>(args)...);
  records_.push_back({obj, [](void* q) { delete static_cast<T*>(q); }, type, kobj_id(), false, false});
  return obj;
}

// Kernel-style spellings.
template <class T, class... Args>
T* kzalloc(const char* type, gfp_t gfp, Args&&... args) {
  return Slab::current()->alloc<T>(type, gfp, std::forward<Args>(args)...);
}
inline void kfree(const void* p, const char* type) {
  if (p) Slab::current()->free(p, type);
}
inline void kasan_check(const void* p, const char* what) { Slab::current()->check(p, what); }
inline model::ObjId kobj_of(const void* p) { return Slab::current()->id_of(p); }

}  // namespace dc::kern
