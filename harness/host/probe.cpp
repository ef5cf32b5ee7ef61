// HostProbe: what the directory's filesystem and the running kernel can do.
#include <fcntl.h>
#include <liburing.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>

#include "harness/host/host.hpp"
#include "harness/host/host_internal.hpp"

namespace dc::harness::host {
namespace {

std::string fs_name(std::int64_t magic) {
  switch (static_cast<std::uint64_t>(magic) & 0xffffffffu) {
    case EXT4_SUPER_MAGIC: return "ext4";  // ext2/3/4 share the magic
    case XFS_SUPER_MAGIC: return "xfs";
    case TMPFS_MAGIC: return "tmpfs";
    case RAMFS_MAGIC: return "ramfs";
    case BTRFS_SUPER_MAGIC: return "btrfs";
    case OVERLAYFS_SUPER_MAGIC: return "overlay";
    case NFS_SUPER_MAGIC: return "nfs";
    case F2FS_SUPER_MAGIC: return "f2fs";
    case 0x65735546u: return "fuse";
    case 0x2fc12fc1u: return "zfs";
    case 0x01021997u: return "9p";
    default: break;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%llx",
                static_cast<unsigned long long>(static_cast<std::uint64_t>(magic)));
  return buf;
}

// Logical block size of the device holding `st_dev`, without statx: BLKSSZGET on the
// device node (needs read access to it), else sysfs; 0 when neither works.
std::uint32_t device_lbs(dev_t dev, std::string& source) {
  const std::string node =
      "/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
  const int bfd = ::open(node.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (bfd >= 0) {
    int ssz = 0;
    const int rc = ::ioctl(bfd, BLKSSZGET, &ssz);
    ::close(bfd);
    if (rc == 0 && ssz > 0) return source = "BLKSSZGET", static_cast<std::uint32_t>(ssz);
  }
  const std::string sys = "/sys/dev/block/" + std::to_string(major(dev)) + ":" +
                          std::to_string(minor(dev));
  for (const char* rel : {"/queue/logical_block_size", "/../queue/logical_block_size"}) {
    std::ifstream in(sys + rel);
    std::uint32_t v = 0;
    if (in >> v && v > 0) return source = "sysfs", v;
  }
  return 0;
}

}  // namespace

std::string errno_text(int err) { return std::string(std::strerror(err)); }

int set_sync_flag(int fd) {
  int flags = 0;
  if (::ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0) return -errno;
  flags |= FS_SYNC_FL;
  if (::ioctl(fd, FS_IOC_SETFLAGS, &flags) != 0) return -errno;
  return 0;
}

HostProbe probe(const std::string& dir) {
  HostProbe p;
  p.dir = dir;
  auto fail = [&p](const std::string& what) {
    if (p.error.empty()) p.error = what;
  };
  struct statfs sfs{};
  if (::statfs(dir.c_str(), &sfs) != 0) {
    fail("statfs(" + dir + "): " + errno_text(errno));
    return p;
  }
  p.fs_type = fs_name(sfs.f_type);
  p.fs_block_size = static_cast<std::uint64_t>(sfs.f_bsize);

  std::string path = dir + "/.diocheck-probe-XXXXXX";
  const int fd = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) {
    fail("cannot create a file in " + dir + ": " + errno_text(errno));
    return p;
  }
  p.dir_ok = true;

  // Alignment: statx(STATX_DIOALIGN) on a regular file, else the device, else 512.
  struct statx sx{};
  if (::statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
      (sx.stx_mask & STATX_DIOALIGN) != 0 && sx.stx_dio_offset_align != 0) {
    p.logical_block_size = sx.stx_dio_offset_align;
    p.mem_align = sx.stx_dio_mem_align;
    p.lbs_source = "statx";
  } else {
    struct stat st{};
    if (::fstat(fd, &st) == 0) p.logical_block_size = device_lbs(st.st_dev, p.lbs_source);
    if (p.logical_block_size == 0) p.logical_block_size = 512, p.lbs_source = "default";
  }
  if (p.mem_align == 0) p.mem_align = p.logical_block_size;

  // O_DIRECT: open and round-trip one aligned block.
  const int dfd = ::open(path.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC);
  if (dfd < 0) {
    fail("open(O_DIRECT) in " + dir + " (" + p.fs_type + "): " + errno_text(errno));
  } else {
    const std::size_t n = std::max<std::size_t>(p.logical_block_size, 4096);
    AlignedBuf buf(n, std::max(p.mem_align, p.logical_block_size));
    std::memset(buf.data(), 0x5a, n);
    const ssize_t w = ::pwrite(dfd, buf.data(), n, 0);
    const int werr = errno;
    std::memset(buf.data(), 0, n);
    const ssize_t r = w == static_cast<ssize_t>(n) ? ::pread(dfd, buf.data(), n, 0) : -1;
    const int rerr = errno;
    if (w != static_cast<ssize_t>(n))
      fail("O_DIRECT pwrite in " + dir + ": " + (w < 0 ? errno_text(werr) : "short write"));
    else if (r != static_cast<ssize_t>(n) || buf.data()[0] != 0x5a || buf.data()[n - 1] != 0x5a)
      fail("O_DIRECT pread in " + dir + ": " + (r < 0 ? errno_text(rerr) : "bad data"));
    else
      p.o_direct = true;
    ::close(dfd);
  }
  ::close(fd);
  ::unlink(path.c_str());

  struct io_uring ring{};
  const int rc = ::io_uring_queue_init(4, &ring, 0);
  if (rc == 0) {
    p.io_uring = true;
    ::io_uring_queue_exit(&ring);
  } else {
    fail("io_uring_queue_init: " + errno_text(-rc));
  }
  if (p.o_direct && !p.real_dio()) fail(dir + " is " + p.fs_type + ": no real direct-I/O path");
  return p;
}

std::string default_dir(std::string* why) {
  static std::once_flag once;
  static std::string chosen, reason;
  std::call_once(once, [] {
    std::vector<std::string> cands;
    if (const char* env = std::getenv("DIOCHECK_HOST_DIR"); env != nullptr && *env != '\0')
      cands.emplace_back(env);
    if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0') cands.emplace_back(t);
    cands.emplace_back("/tmp");
    cands.emplace_back("/var/tmp");
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) != nullptr) cands.emplace_back(cwd);
    std::string rejected;
    for (const std::string& d : cands) {
      const HostProbe p = probe(d);
      if (p.usable()) {
        chosen = d;
        reason = "using " + d + " (" + p.fs_type + ", logical block " +
                 std::to_string(p.logical_block_size) + " via " + p.lbs_source + ")";
        if (!rejected.empty()) reason += "; rejected: " + rejected;
        return;
      }
      if (!rejected.empty()) rejected += "; ";
      rejected += d + ": " + (p.error.empty() ? "unusable" : p.error);
    }
    reason = "no directory supports O_DIRECT + io_uring: " + rejected;
  });
  if (why != nullptr) *why = reason;
  return chosen;
}

}  // namespace dc::harness::host
