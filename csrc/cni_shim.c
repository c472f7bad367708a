/*
 * The resident CNI mode's exec'd shim, in C: rawns/cni/_shim.py's behaviour and frame
 * without an interpreter's start (docs/cni.md, "Resident mode").
 *
 * A runtime execs it as a CNI plugin. It sends the resident daemon (rawns/cni/_daemon.py)
 * one request on a unix stream socket and prints the answer:
 *
 *     request (big-endian u32s):  "rCN1" | len(plugin) | len(env) | len(stdin)
 *                                 | plugin | env | stdin
 *     reply:                      "rCN1" | exit status | len(stdout) | stdout
 *
 * env is KEY=VALUE\0 per CNI_* variable, in environ's order (first of a duplicated key,
 * as getenv and Python's os.environ take). With the first byte goes, as SCM_RIGHTS, an
 * fd of /proc/self/ns/net: a CNI plugin configures the namespace it runs in, and the
 * daemon works in that one. VERSION is answered here. A daemon that cannot be reached,
 * or a bad reply, gives the spec's error 11 ("try again later") naming the socket, exit 1.
 *
 * Nothing is read from files next to the binary: `python -m rawns.cni install DIR
 * --resident SOCKET` copies it and overwrites CONF below (found by its marker) with
 * "rCS1" and five NUL-terminated fields: the socket path, the plugin name, the VERSION
 * answer, and the two error-11 JSON prefixes up to the open "msg" string, all rendered
 * by rawns/cni/_launcher.py with _shim.py's own functions, so the texts are the Python
 * shim's by construction. Only the dynamic tail of a message (strerror(3), the reply
 * checks' own ASCII texts) is escaped here, as _shim._json_str does.
 *
 * C99 plus POSIX and Linux's SCM_RIGHTS; libc only. Built by setup.py (build_ext).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

extern char **environ;

#define CONF_SIZE 4096
#define PATCHED "rCS1"
#define MAGIC "rCN1"
#define REPLY_HEADER 12
#define MAX_REPLY (16u << 20)

/* The marker must occur once in the binary: _launcher.patch_shim checks it does. volatile:
 * the compiler must not fold reads of a buffer it believes constant. */
volatile char rawns_cni_shim_conf[CONF_SIZE] =
    "rawns-cni-shim:configuration:not-patched:9b1f4c7e2a6d3085";

struct buf {
    unsigned char *p;
    size_t len, cap;
};

static int buf_grow(struct buf *b, size_t need)
{
    if (b->cap - b->len >= need)
        return 0;
    size_t cap = b->cap ? b->cap : 65536;
    while (cap - b->len < need) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    unsigned char *p = realloc(b->p, cap);
    if (!p)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

static int buf_put(struct buf *b, const void *data, size_t n)
{
    if (buf_grow(b, n) < 0)
        return -1;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    return 0;
}

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* write(2) until done; stdout may be a pipe the runtime reads slowly. */
static int write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The outcome of forward(): err != 0 is an OSError's errno (the daemon is not reachable),
 * else msg set is a bad reply (the Python shim's ValueError texts). */
struct failure {
    int err;
    char msg[96];
};

/* _shim._json_str's rules for the dynamic ASCII tail: '"' and '\\' escaped, control
 * characters and DEL as \u00XX. (strerror in the C locale, which this program never
 * leaves, is ASCII; any other byte is escaped too, so the output stays valid JSON.) */
static void put_json_tail(struct buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            buf_put(b, esc, 2);
        } else if (c < 0x20 || c >= 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            buf_put(b, esc, 6);
        } else {
            buf_put(b, &c, 1);
        }
    }
}

/* The spec's error 11: prefix (rendered at install, ending inside the "msg" string),
 * the escaped tail, the closing quote and brace; exit status 1. */
static int try_again(const char *prefix, const char *tail)
{
    struct buf b = {0};
    buf_put(&b, prefix, strlen(prefix));
    put_json_tail(&b, tail);
    buf_put(&b, "\"}\n", 3);
    if (b.p)
        write_all(1, b.p, b.len);
    return 1;
}

/* read(2) of all of stdin (a configuration, possibly with a large prevResult). */
static int read_all(int fd, struct buf *b)
{
    for (;;) {
        if (buf_grow(b, 65536) < 0) {
            errno = ENOMEM;
            return -1;
        }
        ssize_t r = read(fd, b->p + b->len, b->cap - b->len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            return 0;
        b->len += (size_t)r;
    }
}

/* The CNI_* entries of environ as KEY=VALUE\0, each key once (the first). */
static int cni_env(struct buf *b)
{
    for (char **e = environ; *e; e++) {
        const char *eq = strchr(*e, '=');
        if (strncmp(*e, "CNI_", 4) != 0 || !eq)
            continue;
        size_t klen = (size_t)(eq - *e) + 1; /* the key and its '=' */
        int seen = 0;
        for (char **f = environ; f < e; f++)
            if (strncmp(*f, *e, klen) == 0) {
                seen = 1;
                break;
            }
        if (!seen && buf_put(b, *e, strlen(*e) + 1) < 0)
            return -1;
    }
    return 0;
}

/* connect(2), sendmsg(2) with the netns fd, recv(2) to EOF: the reply in *reply.
 * Returns 0, or -1 with *why filled. */
static int forward(const char *path, struct iovec *iov, int iovcnt, struct buf *reply,
                   struct failure *why)
{
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        why->err = errno;
        return -1;
    }
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    strncpy(sa.sun_path, path, sizeof sa.sun_path - 1);
    int rc;
    do
        rc = connect(s, (struct sockaddr *)&sa, sizeof sa);
    while (rc < 0 && errno == EINTR);
    if (rc < 0)
        goto oserror;
    int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        goto oserror;

    union {
        struct cmsghdr h;
        char space[CMSG_SPACE(sizeof(int))];
    } ctl;
    memset(&ctl, 0, sizeof ctl);
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = iov;
    msg.msg_iovlen = (size_t)iovcnt;
    msg.msg_control = ctl.space;
    msg.msg_controllen = sizeof ctl.space;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    /* MSG_NOSIGNAL: a daemon gone mid-request is EPIPE (error 11), not SIGPIPE. */
    ssize_t sent;
    do
        sent = sendmsg(s, &msg, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    int saved = errno;
    close(fd);
    errno = saved;
    if (sent < 0)
        goto oserror;
    /* The rest, fd-less, as the Python shim's sendall. */
    for (int i = 0; i < iovcnt; i++) {
        size_t skip = (size_t)sent < iov[i].iov_len ? (size_t)sent : iov[i].iov_len;
        sent -= (ssize_t)skip;
        const char *p = (const char *)iov[i].iov_base + skip;
        size_t left = iov[i].iov_len - skip;
        while (left) {
            ssize_t w = send(s, p, left, MSG_NOSIGNAL);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                goto oserror;
            }
            p += w;
            left -= (size_t)w;
        }
    }
    for (;;) {
        if (buf_grow(reply, 65536) < 0) {
            errno = ENOMEM;
            goto oserror;
        }
        ssize_t r = recv(s, reply->p + reply->len, 65536, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            goto oserror;
        }
        if (r == 0)
            break;
        reply->len += (size_t)r;
        if (reply->len > MAX_REPLY) {
            snprintf(why->msg, sizeof why->msg, "the daemon's reply is larger than %u bytes",
                     MAX_REPLY);
            close(s);
            return -1;
        }
    }
    close(s);
    if (reply->len == 0) {
        snprintf(why->msg, sizeof why->msg, "the daemon closed the connection without answering");
        return -1;
    }
    return 0;
oserror:
    why->err = errno;
    close(s);
    return -1;
}

int main(void)
{
    char conf[CONF_SIZE];
    for (size_t i = 0; i < CONF_SIZE; i++)
        conf[i] = rawns_cni_shim_conf[i];
    conf[CONF_SIZE - 1] = '\0';
    if (memcmp(conf, PATCHED, 4) != 0) {
        fputs("rawns CNI shim: this copy is not configured; `python -m rawns.cni install DIR "
              "--resident SOCKET` writes configured ones\n",
              stderr);
        return 1;
    }
    const char *field[5];
    const char *p = conf + 4;
    for (int i = 0; i < 5; i++) {
        field[i] = p;
        p += strlen(p) + 1;
        if (p > conf + CONF_SIZE) {
            fputs("rawns CNI shim: its configuration is damaged; install it again\n", stderr);
            return 1;
        }
    }
    const char *sock = field[0], *plugin = field[1], *version = field[2];
    const char *unreachable = field[3], *bad_reply = field[4];

    const char *cmd = getenv("CNI_COMMAND");
    if (cmd && strcmp(cmd, "VERSION") == 0) {
        write_all(1, version, strlen(version));
        return 0;
    }
    struct buf in = {0}, env = {0}, reply = {0};
    if (read_all(0, &in) < 0) {
        fprintf(stderr, "rawns CNI shim %s: cannot read stdin: %s\n", plugin, strerror(errno));
        return 1;
    }
    if (cni_env(&env) < 0 || in.len > UINT32_MAX || env.len > UINT32_MAX) {
        fprintf(stderr, "rawns CNI shim %s: the request is too large\n", plugin);
        return 1;
    }
    unsigned char head[16];
    memcpy(head, MAGIC, 4);
    put_u32(head + 4, (uint32_t)strlen(plugin));
    put_u32(head + 8, (uint32_t)env.len);
    put_u32(head + 12, (uint32_t)in.len);
    struct iovec iov[4] = {
        {head, sizeof head},
        {(void *)plugin, strlen(plugin)},
        {env.p, env.len},
        {in.p, in.len},
    };
    struct failure why = {0};
    if (forward(sock, iov, 4, &reply, &why) < 0) {
        if (why.err)
            return try_again(unreachable, strerror(why.err));
        return try_again(bad_reply, why.msg);
    }
    /* _shim.decode_reply's checks and texts. */
    uint32_t status = 0, n = 0;
    if (reply.len < REPLY_HEADER || memcmp(reply.p, MAGIC, 4) != 0) {
        snprintf(why.msg, sizeof why.msg, "the daemon's reply is not a rawns CNI reply (%zu bytes)",
                 reply.len);
        return try_again(bad_reply, why.msg);
    }
    status = get_u32(reply.p + 4);
    n = get_u32(reply.p + 8);
    if (status > 255 || reply.len != REPLY_HEADER + (size_t)n) {
        snprintf(why.msg, sizeof why.msg,
                 "the daemon's reply is truncated or malformed (%zu bytes)", reply.len);
        return try_again(bad_reply, why.msg);
    }
    write_all(1, reply.p + REPLY_HEADER, n);
    return (int)status;
}
