// An actor's body, type-erased so that one long-lived fiber per actor slot can run a new
// body every execution. Bodies are small lambdas (a few pointers); they live inline, and
// only an unusually large one goes to the heap. Move-only, like the lambdas it holds.
#pragma once
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace dc::sched {

class ActorBody {
 public:
  ActorBody() = default;
  ActorBody(const ActorBody&) = delete;
  ActorBody& operator=(const ActorBody&) = delete;
  ~ActorBody() { reset(); }

  template <class Fn>
  void emplace(Fn&& fn) {
    using F = std::decay_t<Fn>;
    reset();
    if constexpr (sizeof(F) <= kInline && alignof(F) <= alignof(std::max_align_t)) {
      ::new (static_cast<void*>(buf_)) F(std::forward<Fn>(fn));
      run_ = [](void* p) { (*std::launder(static_cast<F*>(p)))(); };
      drop_ = [](void* p) { std::launder(static_cast<F*>(p))->~F(); };
    } else {
      ::new (static_cast<void*>(buf_)) F*(new F(std::forward<Fn>(fn)));
      run_ = [](void* p) { (**std::launder(static_cast<F**>(p)))(); };
      drop_ = [](void* p) { delete *std::launder(static_cast<F**>(p)); };
    }
  }
  void operator()() { run_(buf_); }
  explicit operator bool() const { return run_ != nullptr; }
  // Destroys the held body (its captures) now.
  void reset() {
    if (drop_) drop_(buf_);
    run_ = nullptr;
    drop_ = nullptr;
  }

 private:
  static constexpr std::size_t kInline = 64;
  alignas(std::max_align_t) unsigned char buf_[kInline];
  void (*run_)(void*) = nullptr;
  void (*drop_)(void*) = nullptr;
};

}  // namespace dc::sched
