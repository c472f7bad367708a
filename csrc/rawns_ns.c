/* C99, one function per syscall, no allocation, no globals. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>

#include "rawns_ns.h"

/* setns(2) */
int rawns_setns(int fd, int nstype)
{
    return setns(fd, nstype) == 0 ? 0 : -errno;
}

/* unshare(2) */
int rawns_unshare(int flags)
{
    return unshare(flags) == 0 ? 0 : -errno;
}

/* mount(2) */
int rawns_mount(const char *source, const char *target, const char *fstype,
                unsigned long flags, const char *data)
{
    return mount(source, target, fstype, flags, data) == 0 ? 0 : -errno;
}

/* umount2(2) */
int rawns_umount2(const char *target, int flags)
{
    return umount2(target, flags) == 0 ? 0 : -errno;
}
