/* C99, one function per syscall (and one made of them), no allocation, no globals. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* ip netns add, in the calling thread: the mount point (an empty file of mode
 * 0, as ip makes it), a new network namespace, bind-mounted there, opened,
 * and the thread back in the namespace it was in. Returns the new namespace's
 * fd (O_RDONLY | O_CLOEXEC) or -errno; on failure nothing is left (no file,
 * no mount) and the thread is where it was. One C call, so a Python signal
 * handler runs before it or after it, never between its steps. */
int rawns_netns_create(const char *path)
{
    int err, fd, home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

    if (home < 0)
        return -errno;
    if (mknod(path, S_IFREG, 0) != 0) {
        err = -errno;
        close(home);
        return err;
    }
    if (unshare(CLONE_NEWNET) != 0) {
        err = -errno;
        goto unlink_path;
    }
    if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) != 0) {
        err = -errno;
        goto go_home;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        err = -errno;
        umount2(path, MNT_DETACH);
        goto go_home;
    }
    if (setns(home, CLONE_NEWNET) != 0) {
        /* Stranded in the new namespace: undo it, and say so (ENOMEM, in practice). */
        err = -errno;
        close(fd);
        umount2(path, MNT_DETACH);
        unlink(path);
        close(home);
        return err;
    }
    close(home);
    return fd;

go_home:
    setns(home, CLONE_NEWNET);
unlink_path:
    unlink(path);
    close(home);
    return err;
}

/* socket(domain, type, protocol) made inside the network namespace nsfd (a
 * socket belongs to the namespace it was made in, wherever it is used from):
 * setns there, socket(), setns home. Returns the socket's fd or -errno; on
 * failure no socket is left and the thread is where it was. One C call, so a
 * Python signal handler runs before it or after it, never while the thread
 * is away. */
int rawns_socket_in(int nsfd, int domain, int type, int protocol)
{
    int err, fd, home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

    if (home < 0)
        return -errno;
    if (setns(nsfd, CLONE_NEWNET) != 0) {
        err = -errno;
        close(home);
        return err;
    }
    fd = socket(domain, type, protocol);
    err = fd < 0 ? -errno : 0;
    if (setns(home, CLONE_NEWNET) != 0) {
        /* Stranded in nsfd's namespace (ENOMEM, in practice): no socket, say so. */
        err = -errno;
        if (fd >= 0)
            close(fd);
        close(home);
        return err;
    }
    close(home);
    return fd < 0 ? err : fd;
}
