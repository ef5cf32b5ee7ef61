#include "impl/mutant/direct_io.hpp"

#include "impl/aio.hpp"
#include "impl/kernel/execution.hpp"

namespace dc::kern {

bool dio_complete_mutated() {
  static constexpr model::MutantSet kReorder{Mutant::AioCompleteBeforeConversion, Mutant::InodeDioDoneBeforeConversion,
                                             Mutant::ConvertOnIoError, Mutant::InodeUafAfterAioComplete,
                                             Mutant::DsyncAioNotHonoured};
  return Execution::current().mutants().intersects(kReorder);
}

ssize_t mutant_dio_complete(dio* d, loff_t offset, ssize_t ret, ssize_t transferred, bool is_async) {
  kiocb* iocb = d->iocb;
  struct inode* in = d->inode;
  // aio-complete-before-conversion (seed-shaped 40e2e97316af/5b3ff237bef4 bug): userspace
  // is told the write completed before ->end_io converted the extents.
  bool completed = false;
  if (mutant_on(Mutant::AioCompleteBeforeConversion) && is_async) {
    if (variant_has(Fix::DsyncAio) && d->rw == WRITE) {  // the sync still precedes aio_complete
      const int err = generic_write_sync(iocb->ki_filp, offset, transferred, iocb->ki_dsync);
      if (err < 0 && ret > 0) ret = err;
    }
    aio_complete(iocb, ret, 0);
    completed = true;
  }
  // inode-dio-done-before-conversion (266991b13890): the count drops first, so
  // inode_dio_wait (truncate) can return while the conversion is still to come.
  bool dio_done = false;
  if (mutant_on(Mutant::InodeDioDoneBeforeConversion)) {
    inode_dio_done(in);
    dio_done = true;
  }
  if (d->end_io && (d->result || variant_has(Fix::Ext4IoEndViaBPrivate))) {
    // convert-on-io-error: the full byte count, whatever the I/O result.
    const bool error_reaches_fs = variant_has(Fix::NoConvertOnIoError) && !mutant_on(Mutant::ConvertOnIoError);
    dio_end_io(d, offset, error_reaches_fs ? ret : transferred);
  }
  if (variant_has(Fix::InvalidateAfterDioComplete) && ret > 0 && d->rw == WRITE && in->i_mapping.nrpages() > 0)
    invalidate_inode_pages2_range(in, offset, offset + ret - 1);
  // inode-uaf-after-aio-complete (091e26dfc156): aio_complete (which drops the iocb's file
  // reference, the only thing pinning the inode) comes before inode_dio_done.
  const bool uaf_order = mutant_on(Mutant::InodeUafAfterAioComplete) && is_async;
  if (!dio_done && !uaf_order) inode_dio_done(in);
  // dsync-aio-not-honoured (before 02afc27): no sync at completion; the caller synced at
  // submission instead (ext4_file_dio_write / xfs_file_aio_write).
  if (variant_has(Fix::DsyncAio) && is_async && d->rw == WRITE && !completed &&
      !mutant_on(Mutant::DsyncAioNotHonoured)) {
    kasan_check(iocb, "dio_complete: generic_write_sync");
    const int err = generic_write_sync(iocb->ki_filp, offset, transferred, iocb->ki_dsync);
    if (err < 0 && ret > 0) ret = err;
  }
  if (is_async && !completed) aio_complete(iocb, ret, 0);
  if (!dio_done && uaf_order) inode_dio_done(in);  // touches the inode after the file went
  ktrace(model::EvKind::DioFree, d->id);
  kfree(d, "dio");
  return ret;
}

// Before 28a535f9a0df: the completion work (conversion, then inode_dio_done) runs under
// i_mutex, taken with trylock and requeued on failure. A truncate holding i_mutex in
// inode_dio_wait never lets it through.
void mutant_dio_complete_work_locked(dio* d, work_struct* w) {
  inode* in = d->inode;
  if (!mutex_trylock(&in->i_mutex)) {
    queue_work(in->i_sb->s_dio_done_wq, w);
    return;
  }
  dio_complete(d, d->iocb->ki_pos, 0, true);
  mutex_unlock(&in->i_mutex);
}

// Two racers that both saw NULL both publish (the second store overwrites the first); each
// then decides by re-reading whether its own queue is the spare and destroys it, although it
// was published and dios may already have queued work on it.
int mutant_sb_publish_dio_done_wq(super_block* sb, workqueue_struct* wq) {
  if (!READ_ONCE(sb->s_dio_done_wq)) {
    WRITE_ONCE(sb->s_dio_done_wq, wq);
    ktrace(model::EvKind::WqPublish, wq->id);
  }
  if (READ_ONCE(sb->s_dio_done_wq) != wq) destroy_workqueue(wq);
  return 0;
}

// 4ea899ead278: the submitter consults the dio after dropping its reference (whether to
// wait) instead of a local copy; the last bio completion may have freed it in between.
void mutant_reread_dio_after_drop(dio* d) {
  kasan_check(d, "do_blockdev_direct_IO: dio->is_async after drop_refcount");
  if (!d->is_async) dio_await_completion(d);
}

}  // namespace dc::kern
