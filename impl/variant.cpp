#include "impl/variant.hpp"

namespace dc::kern {
namespace {
thread_local const model::Config* tl_config = nullptr;
const model::Config kDefault{};
}  // namespace

void variant_install(const model::Config* c) { tl_config = c; }
const model::Config& variant_config() { return tl_config ? *tl_config : kDefault; }
model::Kernel variant_kernel() { return variant_config().kernel; }

bool variant_has(Fix f) {
  using K = model::Kernel;
  const K k = variant_kernel();
  // The iomap-era kernels carry every 3.x fix listed here (all upstream by 4.17); the legacy
  // paths these guard are not run on them, except shared helpers (ext4_map_blocks, aio).
  if (f == Fix::IomapErrorCompletionInTask) return k == K::V6_18;
  if (f == Fix::Ext4IomapEndNotblk) return k == K::V6_6;
  if (model::is_iomap_kernel(k)) return true;
  switch (f) {
    case Fix::GenericDeferredCompletion:
    case Fix::AioKiocbFreeInComplete:
      return k != K::V3_11;
    case Fix::DsyncAio:
    case Fix::SbInitWqCmpxchgReturn:
      return k == K::V3_12 || k == K::V3_12_fixed;
    case Fix::Ext4IoEndViaBPrivate:
    case Fix::Ext4NoIoEndForOverwrite:
    case Fix::InvalidateAfterDioComplete:
    case Fix::NoConvertOnIoError:
    case Fix::Ext4UnalignedDioWait:
    case Fix::Ext4UnwrittenForEofStraddlingDio:
    case Fix::Ext4DioUpdatesDisksize:
      return k == K::V3_12_fixed;
    case Fix::IomapErrorCompletionInTask:
    case Fix::Ext4IomapEndNotblk:
      return false;  // decided above
  }
  return false;
}

}  // namespace dc::kern
