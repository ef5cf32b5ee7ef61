#include "impl/kernel/variant.hpp"

namespace dc::kern {
namespace {

// Does the variant (kernel, fs) carry fix f? The one switch of every version difference.
bool carries(model::Kernel k, model::Fs fs, Fix f) {
  using K = model::Kernel;
  // The iomap-era kernels carry every 3.x fix listed here (all upstream by 5.8); the legacy
  // paths these guard are not run on them, except shared helpers (ext4_map_blocks, aio).
  if (f == Fix::IomapErrorCompletionInTask) return k == K::V6_18;
  if (f == Fix::Ext4IomapEndNotblk) return k == K::V6_6 || k == K::V6_6_0;
  if (f == Fix::Ext4DioSizeInEndIo) return k == K::V6_6 || k == K::V6_18;
  if (f == Fix::IoUringReissueAtCompletion) return k == K::V6_18;
  if (model::is_iomap_kernel(k)) return f != Fix::Count_;
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
    case Fix::Ext4OverwriteDioKeepsSize:
    case Fix::Ext4WbUpdateDisksize:
      return k == K::V3_12_fixed;
    case Fix::XfsSizeAfterConversion:
    case Fix::XfsDeferOnDiskSizeUpdate:
    case Fix::XfsLockedSizeUpdate:
    case Fix::XfsAlwaysUnwrittenDio:
    case Fix::XfsUnalignedDioWaitAfterSubmit:
    case Fix::XfsDelallocUnwritten:
      return k == K::V3_12_fixed && fs == model::Fs::Xfs;
    case Fix::IomapErrorCompletionInTask:
    case Fix::Ext4IomapEndNotblk:
    case Fix::Ext4DioSizeInEndIo:
    case Fix::IoUringReissueAtCompletion:
    case Fix::Count_:
      break;  // decided above
  }
  return false;
}

}  // namespace

Variant::Variant(model::Kernel k, model::Fs fs) : kernel_(k), fs_(fs) {
  for (unsigned i = 0; i < static_cast<unsigned>(Fix::Count_); ++i)
    if (carries(k, fs, static_cast<Fix>(i))) fixes_ |= 1u << i;
}

}  // namespace dc::kern
