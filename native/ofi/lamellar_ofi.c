/*
 * lamellar_ofi: the native half of the ofi lamella, over libfabric (FI_EP_RDM) and Node-API.
 *
 * One PE per process, so the state is one static struct. The JavaScript side (the ofi lamella)
 * and a progress thread started here share three SharedArrayBuffers: the PE's heap (registered
 * with libfabric, so peers fi_write/fi_read/fi_atomic straight into it), and two SPSC byte rings
 * with the layout of src/lamellae/common/ring.ts: "out" (main thread -> progress thread:
 * commands) and "in" (progress thread -> main thread: frames, completions, results).
 *
 * Every libfabric data call is made by the progress thread; the main thread only writes ring
 * records and, if the progress thread said it sleeps, calls kick() (fi_cq_signal). So the main
 * thread never blocks and never touches a libfabric queue. The progress thread polls the
 * completion queue for at most spin_us after its last activity and then sleeps in fi_cq_sread,
 * which also drives the provider's progress (incoming RMA on manual-progress providers such as
 * tcp and shm is served inside it). It wakes the main thread through a thread-safe function,
 * at most one call in flight (the MAIN_PENDING word): no lost wake-ups, no unbounded spinning,
 * and an idle PE uses no CPU.
 *
 * Messages on the fabric and records in both rings share one 32-byte header (see wire.ts):
 *   0 u32 len | 4 u8 type | 5 u8 sub | 6 u16 flags | 8 u32 pe | 12 u32 id | 16 u32 addr
 *   20 u32 arg | 24 u64 x
 * On the fabric `pe` is the sender and `x` the sender's job token (learned over the authenticated
 * bootstrap); a message whose token does not match its claimed sender is dropped and counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <rdma/fabric.h>
#include <rdma/fi_atomic.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>

#include <node_api.h>

/* ---- wire (keep in step with src/lamellae/ofi/wire.ts) ---- */
#define HDR 32
#define CHUNK (64 * 1024)
#define T_FRAME 1
#define T_WRITE 2
#define T_READ 3
#define T_ATOMIC 4
#define T_ATOMIC_RESULT 5
#define T_SIGNAL 6
#define T_LEN 7
#define T_LEN_RESULT 8
#define T_DONE 9
#define T_ERROR 10
#define T_FATAL 11
#define T_QUIESCE 12
#define T_QUIESCED 13
#define T_REMOTE_ERROR 14
#define T_LAST 14
#define FLAG_FABRIC 1
#define FATAL_PROTOCOL 1
#define FATAL_PE_FAILED 3
#define ERR_BOUNDS 1
#define ERR_FABRIC 2

/* control words (Int32 indexes; keep in step with wire.ts) */
#define C_BELL 0
#define C_SLEEP 1
#define C_MAIN_PENDING 16
#define C_HEAP_LEN 32
#define C_DROPPED 48

/* ring layout (src/lamellae/common/ring.ts) */
#define R_HEAD 0
#define R_TAIL 64
#define R_WAITING 128
#define R_DATA 192
#define F_WRAP 8

#define N_RECV 64
#define N_SEND 64
#define N_SMALL 256
#define SMALL 64
#define N_OPS 4096
#define PENDING_PAUSE (64u << 20)
#define PENDING_RESUME (16u << 20)
#define FATAL_GRACE_NS 3000000000LL

typedef struct {
  int32_t *head, *tail, *waiting;
  uint8_t *data;
  uint32_t cap, mask;
  int32_t next_tail;
} ring_t;

enum { OP_FREE, OP_RECV, OP_SEND, OP_WRITE, OP_READ, OP_ATOMIC };

/* fi_context2 first: libfabric may use it as scratch for the operation. */
typedef struct op {
  struct fi_context2 ctx;
  int kind;
  int buf;      /* recv/send buffer index (send: -1 - small index) */
  uint32_t id;  /* request id for main */
  int word;     /* atomic word size in bytes */
  int slot;     /* atomic slot index */
  struct op *next_free;
} op_t;

typedef struct pending {
  struct pending *next;
  uint32_t len;
  uint8_t bytes[];
} pending_t;

typedef struct {
  uint64_t operand, compare, result;
  uint64_t pad;
} slot_t;

static struct {
  int open;
  struct fi_info *info;
  struct fid_fabric *fabric;
  struct fid_domain *domain;
  struct fid_ep *ep;
  struct fid_av *av;
  struct fid_cq *cq;
  struct fid_mr *heap_mr, *buf_mr;
  void *heap_desc, *buf_desc;
  int cq_waitable;
  int virt_addr;
  uint64_t heap_key;
  uint8_t *heap;
  uint64_t heap_max;
  int me, npes;
  fi_addr_t *addr;
  uint64_t *peer_key, *peer_base, *peer_token;
  uint32_t *seq_out, *seq_in;
  int order_held[N_RECV], n_order_held; /* frame parts that arrived ahead of an earlier one */
  uint64_t my_token;
  int32_t *ctl;
  ring_t out, in;
  uint32_t spin_ns;
  /* buffers: one registered block */
  uint8_t *bufs;
  size_t bufs_len;
  uint8_t *recv_buf[N_RECV];
  uint8_t *send_buf[N_SEND];
  int send_free[N_SEND], n_send_free;
  uint8_t *small_buf[N_SMALL];
  int small_free[N_SMALL], n_small_free;
  slot_t *slots;
  int slot_free[N_OPS], n_slot_free;
  op_t ops[N_OPS + N_RECV];
  op_t *op_free;
  int recv_held[N_RECV], n_recv_held; /* buffers not reposted while main is far behind */
  pending_t *pend_head, *pend_tail;
  size_t pend_bytes;
  int paused;
  int outstanding;
  int quiesce_wanted;
  uint32_t quiesce_id;
  /* doorbells for providers without wait objects (shm): one shared page per PE on this host */
  int32_t *my_bell;          /* [0] sequence, [16] 1 while the progress thread sleeps */
  int32_t **peer_bell;       /* NULL for a peer on another host */
  uint8_t *ring_peer;        /* peers to ring at the end of this pass */
  char bell_name[64];
  /* thread */
  pthread_t thread;
  int thread_started;
  volatile int stop;
  int64_t fatal_at;
  napi_threadsafe_function tsfn;
  napi_ref refs[3];
} S;

static int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ---- rings (same algorithm and memory ordering as ring.ts) ---- */

static void ring_init(ring_t *r, uint8_t *base, uint32_t cap) {
  r->head = (int32_t *)(base + R_HEAD);
  r->tail = (int32_t *)(base + R_TAIL);
  r->waiting = (int32_t *)(base + R_WAITING);
  r->data = base + R_DATA;
  r->cap = cap;
  r->mask = cap - 1;
}

static uint8_t *ring_reserve(ring_t *r, uint32_t len) {
  uint32_t need = 8 + ((len + 7) & ~7u);
  int32_t tail = *r->tail;
  uint32_t used = (uint32_t)(tail - __atomic_load_n(r->head, __ATOMIC_SEQ_CST));
  uint32_t pos = (uint32_t)tail & r->mask;
  uint32_t contiguous = r->cap - pos;
  if (need > contiguous) {
    if (used + contiguous + need > r->cap) return NULL;
    uint32_t *w = (uint32_t *)(r->data + pos);
    w[0] = 0;
    w[1] = F_WRAP;
    tail = (int32_t)((uint32_t)tail + contiguous);
    pos = 0;
  } else if (used + need > r->cap) {
    return NULL;
  }
  uint32_t *w = (uint32_t *)(r->data + pos);
  w[0] = len;
  w[1] = 0;
  r->next_tail = (int32_t)((uint32_t)tail + need);
  return r->data + pos + 8;
}

static void ring_publish(ring_t *r) { __atomic_store_n(r->tail, r->next_tail, __ATOMIC_SEQ_CST); }

static int ring_has_data(ring_t *r) { return __atomic_load_n(r->tail, __ATOMIC_SEQ_CST) != *r->head; }

/* ---- waking the main thread ---- */

static void wake_main(void) {
  if (__atomic_exchange_n(&S.ctl[C_MAIN_PENDING], 1, __ATOMIC_SEQ_CST) == 0)
    napi_call_threadsafe_function(S.tsfn, NULL, napi_tsfn_nonblocking);
}

/* ---- records for the main thread ---- */

static void put_hdr(uint8_t *h, uint32_t len, uint8_t type, uint8_t sub, uint16_t flags, uint32_t pe, uint32_t id, uint32_t addr,
                    uint32_t arg, uint64_t x) {
  memcpy(h, &len, 4);
  h[4] = type;
  h[5] = sub;
  memcpy(h + 6, &flags, 2);
  memcpy(h + 8, &pe, 4);
  memcpy(h + 12, &id, 4);
  memcpy(h + 16, &addr, 4);
  memcpy(h + 20, &arg, 4);
  memcpy(h + 24, &x, 8);
}

/* Hands `hdr` + `body` to the main thread, in order; queues a copy while the ring is full. */
static void to_main(const uint8_t *hdr, const uint8_t *body, uint32_t blen) {
  if (S.pend_head == NULL) {
    uint8_t *at = ring_reserve(&S.in, HDR + blen);
    if (at != NULL) {
      memcpy(at, hdr, HDR);
      if (blen > 0) memcpy(at + HDR, body, blen);
      ring_publish(&S.in);
      wake_main();
      return;
    }
  }
  pending_t *p = malloc(sizeof(pending_t) + HDR + blen);
  if (p == NULL) abort();
  p->next = NULL;
  p->len = HDR + blen;
  memcpy(p->bytes, hdr, HDR);
  if (blen > 0) memcpy(p->bytes + HDR, body, blen);
  if (S.pend_tail) S.pend_tail->next = p;
  else S.pend_head = p;
  S.pend_tail = p;
  S.pend_bytes += p->len;
  __atomic_store_n(S.in.waiting, 1, __ATOMIC_SEQ_CST);
  if (S.pend_bytes > PENDING_PAUSE) S.paused = 1;
}

static void note(uint8_t type, uint8_t sub, uint32_t id, uint64_t x, const char *msg) {
  uint8_t h[HDR];
  uint32_t n = msg ? (uint32_t)strlen(msg) : 0;
  put_hdr(h, n, type, sub, 0, 0, id, 0, 0, x);
  to_main(h, (const uint8_t *)msg, n);
}

static void fatal(uint8_t kind, const char *msg) {
  if (S.fatal_at == 0) S.fatal_at = now_ns();
  note(T_FATAL, kind, 0, 0, msg);
}

static int retry_pending(void) {
  int n = 0;
  while (S.pend_head != NULL) {
    pending_t *p = S.pend_head;
    uint8_t *at = ring_reserve(&S.in, p->len);
    if (at == NULL) {
      __atomic_store_n(S.in.waiting, 1, __ATOMIC_SEQ_CST);
      break;
    }
    memcpy(at, p->bytes, p->len);
    ring_publish(&S.in);
    S.pend_head = p->next;
    if (S.pend_head == NULL) S.pend_tail = NULL;
    S.pend_bytes -= p->len;
    free(p);
    n++;
  }
  if (n > 0) wake_main();
  return n;
}

/* ---- operations ---- */

static op_t *op_get(int kind) {
  op_t *o = S.op_free;
  if (o == NULL) return NULL;
  S.op_free = o->next_free;
  memset(&o->ctx, 0, sizeof(o->ctx));
  o->kind = kind;
  return o;
}

static void op_put(op_t *o) {
  o->kind = OP_FREE;
  o->next_free = S.op_free;
  S.op_free = o;
}

static void post_recv(int i) {
  op_t *o = &S.ops[N_OPS + i];
  memset(&o->ctx, 0, sizeof(o->ctx));
  o->kind = OP_RECV;
  o->buf = i;
  ssize_t r;
  do {
    r = fi_recv(S.ep, S.recv_buf[i], HDR + CHUNK, S.buf_desc, FI_ADDR_UNSPEC, &o->ctx);
    if (r == -FI_EAGAIN) fi_cq_read(S.cq, NULL, 0);
  } while (r == -FI_EAGAIN);
  if (r != 0) {
    char m[160];
    snprintf(m, sizeof m, "the fabric refused a receive buffer: %s", fi_strerror((int)-r));
    fatal(FATAL_PROTOCOL, m);
  }
}

/* Sends `len` bytes (a whole message) to `pe` from a send buffer. 0 sent, -1 no room now. */
static int send_msg(int pe, const uint8_t *msg, uint32_t len) {
  int idx;
  uint8_t *buf;
  if (len <= SMALL && S.n_small_free > 0) {
    int s = S.small_free[--S.n_small_free];
    idx = -1 - s;
    buf = S.small_buf[s];
  } else if (S.n_send_free > 0) {
    idx = S.send_free[--S.n_send_free];
    buf = S.send_buf[idx];
  } else {
    return -1;
  }
  op_t *o = op_get(OP_SEND);
  if (o == NULL) goto back;
  memcpy(buf, msg, len);
  memcpy(buf + 8, &S.me, 4);
  memcpy(buf + 24, &S.my_token, 8);
  o->buf = idx;
  ssize_t r = fi_send(S.ep, buf, len, S.buf_desc, S.addr[pe], &o->ctx);
  if (r == 0) {
    S.outstanding++;
    if (S.ring_peer) S.ring_peer[pe] = 1;
    return 0;
  }
  op_put(o);
  if (r != -FI_EAGAIN) {
    char m[200];
    snprintf(m, sizeof m, "PE %d could not send to PE %d over the fabric: %s", S.me, pe, fi_strerror((int)-r));
    fatal(FATAL_PE_FAILED, m);
  }
back:
  if (idx < 0) S.small_free[S.n_small_free++] = -1 - idx;
  else S.send_free[S.n_send_free++] = idx;
  return -1;
}

static void release_send(int idx) {
  if (idx < 0) S.small_free[S.n_small_free++] = -1 - idx;
  else S.send_free[S.n_send_free++] = idx;
}

static uint64_t remote_addr(int pe, uint32_t addr) { return S.virt_addr ? S.peer_base[pe] + addr : addr; }

static const enum fi_datatype DTYPES[8] = {FI_INT8, FI_UINT8, FI_INT16, FI_UINT16, FI_INT32, FI_UINT32, FI_INT64, FI_UINT64};
/* load store swap add sub and or xor cas */
static const enum fi_op FOPS[9] = {FI_ATOMIC_READ, FI_ATOMIC_WRITE, FI_ATOMIC_WRITE, FI_SUM, FI_SUM, FI_BAND, FI_BOR, FI_BXOR, FI_CSWAP};

/* Applies a runtime atomic on this PE's heap with CPU atomics; returns the old value's bits. */
static uint64_t apply_atomic(uint8_t *p, int w, int op, uint64_t v, uint64_t expected) {
  int size = 1 << (w >> 1);
#define CASE_OPS(T)                                                                         \
  {                                                                                         \
    T *a = (T *)p;                                                                          \
    T x = (T)v, e = (T)expected, old = 0;                                                   \
    switch (op) {                                                                           \
      case 0: old = __atomic_load_n(a, __ATOMIC_SEQ_CST); break;                            \
      case 1:                                                                               \
      case 2: old = __atomic_exchange_n(a, x, __ATOMIC_SEQ_CST); break;                     \
      case 3: old = __atomic_fetch_add(a, x, __ATOMIC_SEQ_CST); break;                      \
      case 4: old = __atomic_fetch_sub(a, x, __ATOMIC_SEQ_CST); break;                      \
      case 5: old = __atomic_fetch_and(a, x, __ATOMIC_SEQ_CST); break;                      \
      case 6: old = __atomic_fetch_or(a, x, __ATOMIC_SEQ_CST); break;                       \
      case 7: old = __atomic_fetch_xor(a, x, __ATOMIC_SEQ_CST); break;                      \
      case 8:                                                                               \
        __atomic_compare_exchange_n(a, &e, x, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);      \
        old = e;                                                                            \
        break;                                                                              \
    }                                                                                       \
    uint64_t out = 0;                                                                       \
    memcpy(&out, &old, sizeof(T));                                                          \
    return out;                                                                             \
  }
  switch (size) {
    case 1: CASE_OPS(uint8_t)
    case 2: CASE_OPS(uint16_t)
    case 4: CASE_OPS(uint32_t)
    default: CASE_OPS(uint64_t)
  }
#undef CASE_OPS
}

static uint32_t heap_len(void) { return (uint32_t)__atomic_load_n(&S.ctl[C_HEAP_LEN], __ATOMIC_SEQ_CST); }
static uint64_t heap_len64(void) {
  uint32_t v = heap_len();
  return v == 0xffffffffu ? (1ull << 32) : v;
}

/* ---- commands from the main thread ---- */

/* Returns 1 if the record was consumed, 0 to leave it for later (no resources now). */
static int command(uint8_t *m, uint32_t len) {
  uint8_t type = m[4], sub = m[5];
  uint16_t flags;
  uint32_t pe, id, addr, arg;
  uint64_t x;
  memcpy(&flags, m + 6, 2);
  memcpy(&pe, m + 8, 4);
  memcpy(&id, m + 12, 4);
  memcpy(&addr, m + 16, 4);
  memcpy(&arg, m + 20, 4);
  memcpy(&x, m + 24, 8);
  switch (type) {
    case T_FRAME:
      /* Frame parts carry a per-destination sequence number in `id`: a provider may complete a
       * large (rendezvous) message after a smaller one sent later, and the receiver restores
       * the order before the main thread sees them. */
      memcpy(m + 12, &S.seq_out[pe], 4);
      if (send_msg((int)pe, m, len) != 0) return 0;
      S.seq_out[pe]++;
      return 1;
    case T_SIGNAL:
    case T_LEN:
      return send_msg((int)pe, m, len) == 0;
    case T_ATOMIC:
      if (!(flags & FLAG_FABRIC)) return send_msg((int)pe, m, len) == 0;
      {
        if (S.n_slot_free == 0) return 0;
        op_t *o = op_get(OP_ATOMIC);
        if (o == NULL) return 0;
        int slot = S.slot_free[--S.n_slot_free];
        slot_t *s = &S.slots[slot];
        int w = sub >> 4, op = sub & 15;
        memcpy(&s->operand, m + HDR, 8);
        memcpy(&s->compare, m + HDR + 8, 8);
        s->result = 0;
        if (op == 4) s->operand = (uint64_t)(-(int64_t)s->operand); /* sub = add of the negation, in any width */
        o->id = id;
        o->word = 1 << (w >> 1);
        o->slot = slot;
        ssize_t r;
        uint64_t ra = remote_addr((int)pe, addr);
        if (op == 8)
          r = fi_compare_atomic(S.ep, &s->operand, 1, S.buf_desc, &s->compare, S.buf_desc, &s->result, S.buf_desc, S.addr[pe], ra,
                                S.peer_key[pe], DTYPES[w], FI_CSWAP, &o->ctx);
        else
          r = fi_fetch_atomic(S.ep, &s->operand, 1, S.buf_desc, &s->result, S.buf_desc, S.addr[pe], ra, S.peer_key[pe], DTYPES[w],
                              FOPS[op], &o->ctx);
        if (r == 0) {
          S.outstanding++;
          if (S.ring_peer) S.ring_peer[pe] = 1;
          return 1;
        }
        S.slot_free[S.n_slot_free++] = slot;
        op_put(o);
        if (r == -FI_EAGAIN) return 0;
        char msg[160];
        snprintf(msg, sizeof msg, "fi_atomic to PE %u failed: %s", pe, fi_strerror((int)-r));
        note(T_ERROR, ERR_FABRIC, id, 0, msg);
        return 1;
      }
    case T_WRITE:
    case T_READ: {
      op_t *o = op_get(type == T_WRITE ? OP_WRITE : OP_READ);
      if (o == NULL) return 0;
      o->id = id;
      ssize_t r = type == T_WRITE
                      ? fi_write(S.ep, S.heap + x, arg, S.heap_desc, S.addr[pe], remote_addr((int)pe, addr), S.peer_key[pe], &o->ctx)
                      : fi_read(S.ep, S.heap + x, arg, S.heap_desc, S.addr[pe], remote_addr((int)pe, addr), S.peer_key[pe], &o->ctx);
      if (r == 0) {
        S.outstanding++;
        if (S.ring_peer) S.ring_peer[pe] = 1;
        return 1;
      }
      op_put(o);
      if (r == -FI_EAGAIN) return 0;
      char msg[160];
      snprintf(msg, sizeof msg, "%s to PE %u failed: %s", type == T_WRITE ? "fi_write" : "fi_read", pe, fi_strerror((int)-r));
      note(T_ERROR, ERR_FABRIC, id, 0, msg);
      return 1;
    }
    case T_QUIESCE:
      S.quiesce_wanted = 1;
      S.quiesce_id = id;
      return 1;
    default:
      fatal(FATAL_PROTOCOL, "the main thread wrote an unknown command");
      return 1;
  }
}

static int drain_out(void) {
  int n = 0;
  ring_t *r = &S.out;
  int32_t head = *r->head;
  int32_t tail = __atomic_load_n(r->tail, __ATOMIC_SEQ_CST);
  while (head != tail) {
    uint32_t pos = (uint32_t)head & r->mask;
    uint32_t *w = (uint32_t *)(r->data + pos);
    uint32_t len = w[0], fl = w[1];
    if (fl == F_WRAP) {
      head = (int32_t)((uint32_t)head + (r->cap - pos));
      __atomic_store_n(r->head, head, __ATOMIC_SEQ_CST);
      continue;
    }
    if (!command(r->data + pos + 8, len)) break;
    head = (int32_t)((uint32_t)head + 8 + ((len + 7) & ~7u));
    __atomic_store_n(r->head, head, __ATOMIC_SEQ_CST);
    n++;
  }
  if (__atomic_load_n(r->waiting, __ATOMIC_SEQ_CST) == 1) {
    __atomic_store_n(r->waiting, 0, __ATOMIC_SEQ_CST);
    wake_main();
  }
  return n;
}

/* ---- messages from peers ---- */

/* Returns 1 when the message was handled, 0 to hold it until a reply buffer is free, 2 to hold a
 * frame part that arrived ahead of an earlier one from the same sender. */
static int incoming(uint8_t *m, size_t got) {
  uint32_t len, pe, id, addr, arg;
  uint64_t token;
  char msg[200];
  if (got < HDR) {
    snprintf(msg, sizeof msg, "a fabric message of %zu bytes reached PE %d, shorter than any header", got, S.me);
    fatal(FATAL_PROTOCOL, msg);
    return 1;
  }
  memcpy(&len, m, 4);
  memcpy(&pe, m + 8, 4);
  memcpy(&id, m + 12, 4);
  memcpy(&addr, m + 16, 4);
  memcpy(&arg, m + 20, 4);
  memcpy(&token, m + 24, 8);
  uint8_t type = m[4], sub = m[5];
  if (pe >= (uint32_t)S.npes || token != S.peer_token[pe]) {
    /* Not a member of this job (or a member's stale message): libfabric does not authenticate. */
    __atomic_fetch_add(&S.ctl[C_DROPPED], 1, __ATOMIC_SEQ_CST);
    wake_main();
    return 1;
  }
  if (type == 0 || type > T_LAST || HDR + (size_t)len != got) {
    snprintf(msg, sizeof msg, "PE %u sent a malformed fabric message (type %u, %u body bytes in %zu) to PE %d", pe, type, len, got, S.me);
    fatal(FATAL_PROTOCOL, msg);
    return 1;
  }
  switch (type) {
    case T_FRAME:
      if (id != S.seq_in[pe]) return 2;
      to_main(m, m + HDR, len);
      S.seq_in[pe]++;
      return 1;
    case T_ATOMIC_RESULT:
    case T_LEN_RESULT:
    case T_REMOTE_ERROR:
      to_main(m, m + HDR, len);
      return 1;
    case T_SIGNAL: {
      if (addr % 4 != 0 || (uint64_t)addr + 4 > heap_len64()) {
        snprintf(msg, sizeof msg, "PE %u sent a signal to address %u outside PE %d's heap", pe, addr, S.me);
        fatal(FATAL_PROTOCOL, msg);
        return 1;
      }
      __atomic_store_n((int32_t *)(S.heap + addr), (int32_t)arg, __ATOMIC_SEQ_CST);
      to_main(m, NULL, 0);
      return 1;
    }
    case T_LEN: {
      uint8_t h[HDR];
      put_hdr(h, 0, T_LEN_RESULT, 0, 0, 0, id, 0, 0, 0);
      uint64_t hl = heap_len64();
      /* the length travels in the body: x carries the token */
      uint8_t out[HDR + 8];
      memcpy(out, h, HDR);
      uint32_t eight = 8;
      memcpy(out, &eight, 4);
      memcpy(out + HDR, &hl, 8);
      return send_msg((int)pe, out, HDR + 8) == 0;
    }
    case T_ATOMIC: {
      int w = sub >> 4, op = sub & 15;
      int size = 1 << (w >> 1);
      uint8_t out[HDR + 200];
      if (w > 7 || op > 8 || len != 16) {
        snprintf(msg, sizeof msg, "PE %u sent a malformed atomic request to PE %d", pe, S.me);
        fatal(FATAL_PROTOCOL, msg);
        return 1;
      }
      if (addr % size != 0 || (uint64_t)addr + size > heap_len64()) {
        int n = snprintf((char *)out + HDR, 200, "atomic on [%u, %u) outside PE %d's heap (on PE %d)", addr, addr + size, S.me, S.me);
        put_hdr(out, (uint32_t)n, T_REMOTE_ERROR, ERR_BOUNDS, 0, 0, id, 0, 0, 0);
        return send_msg((int)pe, out, HDR + (uint32_t)n) == 0;
      }
      uint64_t v, e;
      memcpy(&v, m + HDR, 8);
      memcpy(&e, m + HDR + 8, 8);
      if (S.n_send_free == 0 && S.n_small_free == 0) return 0;
      uint64_t old = apply_atomic(S.heap + addr, w, op, v, e);
      put_hdr(out, 8, T_ATOMIC_RESULT, sub, 0, 0, id, 0, 0, 0);
      memcpy(out + HDR, &old, 8);
      return send_msg((int)pe, out, HDR + 8) == 0;
    }
    default:
      snprintf(msg, sizeof msg, "PE %u sent PE %d a message of type %u that only the main thread writes", pe, S.me, type);
      fatal(FATAL_PROTOCOL, msg);
      return 1;
  }
}

static void recycle(int b) {
  if (S.paused) S.recv_held[S.n_recv_held++] = b;
  else post_recv(b);
}

/* Delivers held frame parts whose turn has come (each delivery may free the next). */
static void release_in_order(void) {
  for (int i = 0; i < S.n_order_held;) {
    int b = S.order_held[i];
    uint32_t len;
    memcpy(&len, S.recv_buf[b], 4);
    if (incoming(S.recv_buf[b], HDR + (size_t)len) != 1) {
      i++;
      continue;
    }
    S.order_held[i] = S.order_held[--S.n_order_held];
    recycle(b);
    i = 0;
  }
}

static void completed(op_t *o, struct fi_cq_msg_entry *e) {
  uint8_t h[HDR];
  switch (o->kind) {
    case OP_RECV: {
      int r = incoming(S.recv_buf[o->buf], e->len);
      if (r == 2) {
        S.order_held[S.n_order_held++] = o->buf;
        return;
      }
      if (r == 0) {
        /* no reply buffer now: keep the message and retry it before anything newer */
        S.recv_held[S.n_recv_held++] = o->buf | 0x10000;
        return;
      }
      recycle(o->buf);
      if (S.n_order_held > 0) release_in_order();
      return;
    }
    case OP_SEND:
      S.outstanding--;
      release_send(o->buf);
      break;
    case OP_WRITE:
    case OP_READ:
      S.outstanding--;
      put_hdr(h, 0, T_DONE, 0, 0, 0, o->id, 0, 0, 0);
      to_main(h, NULL, 0);
      break;
    case OP_ATOMIC: {
      S.outstanding--;
      slot_t *s = &S.slots[o->slot];
      uint64_t v = 0;
      memcpy(&v, &s->result, (size_t)o->word);
      put_hdr(h, 8, T_ATOMIC_RESULT, 0, 0, 0, o->id, 0, 0, 0);
      to_main(h, (uint8_t *)&v, 8);
      S.slot_free[S.n_slot_free++] = o->slot;
      break;
    }
  }
  op_put(o);
}

static void failed(void) {
  struct fi_cq_err_entry err;
  memset(&err, 0, sizeof err);
  if (fi_cq_readerr(S.cq, &err, 0) < 0) return;
  op_t *o = (op_t *)err.op_context;
  char msg[240];
  char pbuf[120];
  const char *pe = fi_cq_strerror(S.cq, err.prov_errno, err.err_data, pbuf, sizeof pbuf);
  if (o == NULL) {
    snprintf(msg, sizeof msg, "the fabric reported an error on PE %d: %s (%s)", S.me, fi_strerror(err.err), pe ? pe : "");
    fatal(FATAL_PE_FAILED, msg);
    return;
  }
  switch (o->kind) {
    case OP_RECV:
      if (err.err == FI_ECANCELED) return;
      snprintf(msg, sizeof msg, "a receive failed on PE %d: %s (%s)", S.me, fi_strerror(err.err), pe ? pe : "");
      fatal(FATAL_PE_FAILED, msg);
      if (!S.stop) post_recv(o->buf);
      return;
    case OP_SEND:
      S.outstanding--;
      release_send(o->buf);
      snprintf(msg, sizeof msg, "a fabric send from PE %d failed: %s (%s): a peer is gone or unreachable", S.me, fi_strerror(err.err),
               pe ? pe : "");
      fatal(FATAL_PE_FAILED, msg);
      break;
    default:
      S.outstanding--;
      if (o->kind == OP_ATOMIC) S.slot_free[S.n_slot_free++] = o->slot;
      snprintf(msg, sizeof msg, "the fabric failed the operation: %s (%s)", fi_strerror(err.err), pe ? pe : "");
      note(T_ERROR, ERR_FABRIC, o->id, 0, msg);
      break;
  }
  op_put(o);
}

static int handle(struct fi_cq_msg_entry *e, ssize_t n) {
  for (ssize_t i = 0; i < n; i++) completed((op_t *)e[i].op_context, &e[i]);
  return (int)n;
}

static int poll_cq(void) {
  struct fi_cq_msg_entry e[32];
  int total = 0;
  for (;;) {
    ssize_t n = fi_cq_read(S.cq, e, 32);
    if (n > 0) {
      total += handle(e, n);
      continue;
    }
    if (n == -FI_EAVAIL) {
      failed();
      total++;
      continue;
    }
    return total;
  }
}

static long futex(int32_t *w, int op, int32_t v, const struct timespec *t) { return syscall(SYS_futex, w, op, v, t, NULL, 0); }

/* Wakes the progress threads of the peers this pass gave work to (shm only progresses when the
 * target polls): bump the peer's doorbell, and FUTEX_WAKE it only if it said it sleeps. */
static void ring_peers(void) {
  if (S.ring_peer == NULL) return;
  for (int pe = 0; pe < S.npes; pe++) {
    if (!S.ring_peer[pe]) continue;
    S.ring_peer[pe] = 0;
    int32_t *b = S.peer_bell[pe];
    if (b == NULL) continue;
    __atomic_fetch_add(&b[0], 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&b[16], __ATOMIC_SEQ_CST)) futex(&b[0], FUTEX_WAKE, 1, NULL);
  }
}

static int retry_held(void) {
  int n = 0;
  int i = 0;
  while (i < S.n_recv_held) {
    int b = S.recv_held[i];
    if (b & 0x10000) {
      b &= 0xffff;
      uint32_t len;
      memcpy(&len, S.recv_buf[b], 4);
      if (!incoming(S.recv_buf[b], HDR + (size_t)len)) break;
      S.recv_held[i] = b;
      n++;
    }
    if (S.paused) {
      i++;
      continue;
    }
    post_recv(b);
    i++;
    n++;
  }
  if (i > 0) {
    memmove(S.recv_held, S.recv_held + i, sizeof(int) * (size_t)(S.n_recv_held - i));
    S.n_recv_held -= i;
  }
  return n;
}

static void *progress(void *arg) {
  (void)arg;
  struct fi_cq_msg_entry e[32];
  int64_t last = now_ns();
  while (!S.stop) {
    int32_t seq = __atomic_load_n(&S.ctl[C_BELL], __ATOMIC_SEQ_CST);
    int32_t dseq = S.my_bell ? __atomic_load_n(&S.my_bell[0], __ATOMIC_SEQ_CST) : 0;
    int n = poll_cq();
    n += retry_pending();
    if (S.paused && S.pend_bytes < PENDING_RESUME) S.paused = 0;
    if (S.n_recv_held > 0) n += retry_held();
    n += drain_out();
    ring_peers();
    if (S.quiesce_wanted && S.outstanding == 0 && !ring_has_data(&S.out)) {
      S.quiesce_wanted = 0;
      note(T_QUIESCED, 0, S.quiesce_id, 0, NULL);
    }
    if (S.fatal_at != 0 && now_ns() - S.fatal_at > FATAL_GRACE_NS) {
      fprintf(stderr, "lamellar: PE %d: the job failed and the main thread did not stop within 3 s; killing the process\n", S.me);
      fflush(stderr);
      kill(getpid(), SIGKILL);
    }
    int64_t t = now_ns();
    if (n > 0) {
      last = t;
      continue;
    }
    if (t - last < (int64_t)S.spin_ns) continue;
    /* Sleep protocol: the main thread bumps C_BELL after writing and kicks us only when
     * C_SLEEP says we sleep; we re-read the bell after setting the flag, so a command that
     * lands in between is seen now, and fi_cq_signal latches for one that lands later. */
    __atomic_store_n(&S.ctl[C_SLEEP], 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&S.ctl[C_BELL], __ATOMIC_SEQ_CST) != seq || ring_has_data(&S.out) || S.stop) {
      __atomic_store_n(&S.ctl[C_SLEEP], 0, __ATOMIC_SEQ_CST);
      continue;
    }
    int timeout = S.fatal_at != 0 || S.pend_head != NULL ? 100 : 1000;
    if (S.cq_waitable) {
      ssize_t r = fi_cq_sread(S.cq, e, 32, NULL, timeout);
      __atomic_store_n(&S.ctl[C_SLEEP], 0, __ATOMIC_SEQ_CST);
      if (r > 0) handle(e, r);
      else if (r == -FI_EAVAIL) failed();
    } else {
      /* A provider without a wait object (shm): sleep on this PE's shared doorbell, which
       * peers ring after giving us work and the main thread rings through kick(). While our
       * own operations are outstanding, their completions need our polling (the target acks
       * in its progress): sleep 50 us at a time then; otherwise up to `timeout`. */
      int64_t ns = S.outstanding > 0 ? 50000 : (int64_t)timeout * 1000000;
      struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
      __atomic_store_n(&S.my_bell[16], 1, __ATOMIC_SEQ_CST);
      if (poll_cq() == 0) futex(&S.my_bell[0], FUTEX_WAIT, dseq, &ts);
      __atomic_store_n(&S.my_bell[16], 0, __ATOMIC_SEQ_CST);
      __atomic_store_n(&S.ctl[C_SLEEP], 0, __ATOMIC_SEQ_CST);
    }
    last = now_ns();
    last -= (int64_t)S.spin_ns;
  }
  return NULL;
}

/* ---- Node-API glue ---- */

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, "LAMELLAR_ERR_INTERNAL", #call " failed"); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static napi_value throw_fi(napi_env env, const char *code, const char *what, int err) {
  char m[300];
  snprintf(m, sizeof m, "%s: %s", what, fi_strerror(err < 0 ? -err : err));
  napi_throw_error(env, code, m);
  return NULL;
}

static napi_value str(napi_env env, const char *s) {
  napi_value v;
  napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &v);
  return v;
}

static void set(napi_env env, napi_value obj, const char *k, napi_value v) { napi_set_named_property(env, obj, k, v); }

static napi_value prop(napi_env env, napi_value obj, const char *k) {
  napi_value v;
  napi_get_named_property(env, obj, k, &v);
  return v;
}

static int64_t num(napi_env env, napi_value obj, const char *k) {
  double d = 0;
  napi_get_value_double(env, prop(env, obj, k), &d);
  return (int64_t)d;
}

static uint8_t *bytes_of(napi_env env, napi_value arr, size_t *len) {
  napi_typedarray_type t;
  size_t n;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, arr, &t, &n, &data, &ab, &off) != napi_ok) return NULL;
  if (len) *len = n;
  return data;
}

static struct fi_info *hints(const char *prov, int atomics) {
  struct fi_info *h = fi_allocinfo();
  h->ep_attr->type = FI_EP_RDM;
  h->caps = FI_MSG | FI_RMA | FI_READ | FI_WRITE | FI_REMOTE_READ | FI_REMOTE_WRITE | (atomics ? FI_ATOMIC : 0);
  h->mode = FI_CONTEXT | FI_CONTEXT2;
  h->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR | FI_MR_ALLOCATED | FI_MR_PROV_KEY | FI_MR_ENDPOINT;
  h->domain_attr->threading = FI_THREAD_SAFE;
  h->tx_attr->msg_order = FI_ORDER_SAS;
  h->rx_attr->msg_order = FI_ORDER_SAS;
  if (prov != NULL && prov[0] != '\0') h->fabric_attr->prov_name = strdup(prov);
  return h;
}

/* providers(): the providers that offer what the lamella needs, in libfabric's order. */
static napi_value providers(napi_env env, napi_callback_info cbinfo) {
  (void)cbinfo;
  struct fi_info *h = hints(NULL, 0), *list = NULL;
  int r = fi_getinfo(FI_VERSION(1, 9), NULL, NULL, 0, h, &list);
  fi_freeinfo(h);
  napi_value arr;
  CHECK(napi_create_array(env, &arr));
  if (r != 0) return arr;
  uint32_t i = 0;
  for (struct fi_info *p = list; p; p = p->next) {
    napi_value o;
    CHECK(napi_create_object(env, &o));
    set(env, o, "provider", str(env, p->fabric_attr->prov_name));
    set(env, o, "fabric", str(env, p->fabric_attr->name));
    set(env, o, "domain", str(env, p->domain_attr->name));
    napi_set_element(env, arr, i++, o);
  }
  fi_freeinfo(list);
  return arr;
}

static void cleanup(void) {
  if (S.ep) fi_close(&S.ep->fid);
  if (S.heap_mr) fi_close(&S.heap_mr->fid);
  if (S.buf_mr) fi_close(&S.buf_mr->fid);
  if (S.av) fi_close(&S.av->fid);
  if (S.cq) fi_close(&S.cq->fid);
  if (S.domain) fi_close(&S.domain->fid);
  if (S.fabric) fi_close(&S.fabric->fid);
  if (S.info) fi_freeinfo(S.info);
  free(S.bufs);
  free(S.addr);
  free(S.peer_key);
  free(S.peer_base);
  free(S.peer_token);
  free(S.seq_out);
  free(S.seq_in);
  if (S.peer_bell) {
    for (int i = 0; i < S.npes; i++)
      if (S.peer_bell[i] && S.peer_bell[i] != S.my_bell) munmap(S.peer_bell[i], 4096);
    free(S.peer_bell);
  }
  if (S.my_bell) munmap(S.my_bell, 4096);
  if (S.bell_name[0]) shm_unlink(S.bell_name);
  free(S.ring_peer);
  while (S.pend_head) {
    pending_t *p = S.pend_head;
    S.pend_head = p->next;
    free(p);
  }
  memset(&S, 0, sizeof S);
}

/*
 * open({ provider, pe, numPes, heap: Uint8Array (length-tracking view of the heap SAB),
 *        heapMax, control: Int32Array, out: Uint8Array, in: Uint8Array, ringCap, spinUs,
 *        fabricAtomics })
 * Opens the fabric, endpoint and queues, registers the heap (its whole reserved range: a
 * growable SharedArrayBuffer never moves) and the native buffers, posts receives, and returns
 * { provider, fabric, domain, address, key, base, virtAddr, atomics: [[word][op] 0/1] }.
 */
static napi_value open_(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  napi_value o = argv[0];
  if (S.open) {
    napi_throw_error(env, "LAMELLAR_ERR_INTERNAL", "the ofi addon is already open in this process");
    return NULL;
  }
  char prov[128] = "";
  napi_valuetype pt;
  napi_typeof(env, prop(env, o, "provider"), &pt);
  if (pt == napi_string) napi_get_value_string_utf8(env, prop(env, o, "provider"), prov, sizeof prov, NULL);
  S.me = (int)num(env, o, "pe");
  S.npes = (int)num(env, o, "numPes");
  S.heap_max = (uint64_t)num(env, o, "heapMax");
  S.spin_ns = (uint32_t)(num(env, o, "spinUs") * 1000);
  uint32_t cap = (uint32_t)num(env, o, "ringCap");
  bool fabric_atomics = false;
  napi_get_value_bool(env, prop(env, o, "fabricAtomics"), &fabric_atomics);
  S.heap = bytes_of(env, prop(env, o, "heap"), NULL);
  S.ctl = (int32_t *)bytes_of(env, prop(env, o, "control"), NULL);
  uint8_t *outb = bytes_of(env, prop(env, o, "out"), NULL);
  uint8_t *inb = bytes_of(env, prop(env, o, "in"), NULL);
  if (!S.heap || !S.ctl || !outb || !inb) {
    napi_throw_error(env, "LAMELLAR_ERR_INTERNAL", "open() needs typed-array views of the heap, control block and rings");
    return NULL;
  }
  ring_init(&S.out, outb, cap);
  ring_init(&S.in, inb, cap);
  napi_create_reference(env, prop(env, o, "heap"), 1, &S.refs[0]);
  napi_create_reference(env, prop(env, o, "out"), 1, &S.refs[1]);
  napi_create_reference(env, prop(env, o, "in"), 1, &S.refs[2]);
  S.open = 1;

  char bind[128] = "";
  napi_typeof(env, prop(env, o, "bindAddr"), &pt);
  if (pt == napi_string) napi_get_value_string_utf8(env, prop(env, o, "bindAddr"), bind, sizeof bind, NULL);
  /* With fi_atomic where wanted and offered; otherwise without (atomics then go by message). */
  int r = -FI_ENODATA;
  for (int pass = fabric_atomics ? 0 : 1; pass < 2 && r != 0; pass++) {
    struct fi_info *h = hints(prov, pass == 0);
    /* Bind to the interface the job was told (loopback by default) where the provider has
     * addresses (tcp, verbs, ...); providers without them (shm) answer only without a node. */
    r = bind[0] ? fi_getinfo(FI_VERSION(1, 9), bind, NULL, FI_SOURCE, h, &S.info) : -FI_ENODATA;
    if (r == 0 && S.info->addr_format != FI_SOCKADDR_IN && S.info->addr_format != FI_SOCKADDR_IN6 && S.info->addr_format != FI_SOCKADDR) {
      /* shm would take the address as its region's name, the same for every PE */
      fi_freeinfo(S.info);
      r = -FI_ENODATA;
    }
    if (r != 0) {
      S.info = NULL;
      r = fi_getinfo(FI_VERSION(1, 9), NULL, NULL, 0, h, &S.info);
    }
    fi_freeinfo(h);
    if (r != 0) S.info = NULL;
  }
  if (r != 0 || S.info == NULL) {
    S.info = NULL;
    char m[300];
    snprintf(m, sizeof m, "no libfabric provider%s%s%s offers reliable datagram endpoints (FI_EP_RDM) with messages and RMA here",
             prov[0] ? " '" : "", prov, prov[0] ? "'" : "");
    cleanup();
    napi_throw_error(env, "LAMELLAR_ERR_OFI_PROVIDER", m);
    return NULL;
  }
  struct fi_info *fi = S.info;
  S.virt_addr = (fi->domain_attr->mr_mode & FI_MR_VIRT_ADDR) != 0;
  if ((r = fi_fabric(fi->fabric_attr, &S.fabric, NULL)) || (r = fi_domain(S.fabric, fi, &S.domain, NULL))) {
    cleanup();
    return throw_fi(env, "LAMELLAR_ERR_OFI_PROVIDER", "cannot open the fabric", r);
  }
  struct fi_cq_attr cqa = {.size = 0, .format = FI_CQ_FORMAT_MSG, .wait_obj = FI_WAIT_FD};
  r = fi_cq_open(S.domain, &cqa, &S.cq, NULL);
  S.cq_waitable = r == 0;
  if (r != 0) {
    cqa.wait_obj = FI_WAIT_NONE;
    r = fi_cq_open(S.domain, &cqa, &S.cq, NULL);
  }
  if (!S.cq_waitable && r == 0) {
    /* This PE's doorbell: a shared page that co-located peers map (its name travels in the
     * PE's card over the authenticated bootstrap; mode 0600, unlinked once all have it). */
    snprintf(S.bell_name, sizeof S.bell_name, "/lamellar-ofi-%d-%d-%llx", (int)getpid(), S.me, (unsigned long long)now_ns());
    int fd = shm_open(S.bell_name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0 || ftruncate(fd, 4096) != 0 || (S.my_bell = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
      S.my_bell = NULL;
      r = -FI_ENOMEM;
    }
    if (fd >= 0) close(fd);
  }
  struct fi_av_attr ava = {.type = FI_AV_TABLE};
  if (r || (r = fi_av_open(S.domain, &ava, &S.av, NULL)) || (r = fi_endpoint(S.domain, fi, &S.ep, NULL)) ||
      (r = fi_ep_bind(S.ep, &S.cq->fid, FI_TRANSMIT | FI_RECV)) || (r = fi_ep_bind(S.ep, &S.av->fid, 0))) {
    cleanup();
    return throw_fi(env, "LAMELLAR_ERR_OFI_PROVIDER", "cannot open an endpoint", r);
  }
  /* registered memory: the heap, and one block for buffers and atomic slots */
  uint64_t key = 0;
  FILE *ur = fopen("/dev/urandom", "rb");
  if (ur) {
    if (fread(&key, sizeof key, 1, ur) != 1) key = (uint64_t)now_ns();
    fclose(ur);
  }
  if (fi->domain_attr->mr_key_size < 8) key &= (1ull << (8 * fi->domain_attr->mr_key_size)) - 1;
  uint64_t acc = FI_READ | FI_WRITE | FI_REMOTE_READ | FI_REMOTE_WRITE | FI_SEND | FI_RECV;
  r = fi_mr_reg(S.domain, S.heap, S.heap_max, acc, 0, key, 0, &S.heap_mr, NULL);
  S.bufs_len = (size_t)N_RECV * (HDR + CHUNK) + (size_t)N_SEND * (HDR + CHUNK) + (size_t)N_SMALL * SMALL + sizeof(slot_t) * N_OPS;
  if (r == 0 && posix_memalign((void **)&S.bufs, 4096, S.bufs_len) != 0) r = -FI_ENOMEM;
  if (r == 0) r = fi_mr_reg(S.domain, S.bufs, S.bufs_len, acc, 0, key ^ 0x5a5a5a5a, 0, &S.buf_mr, NULL);
  if (r == 0 && (fi->domain_attr->mr_mode & FI_MR_ENDPOINT)) {
    if ((r = fi_mr_bind(S.heap_mr, &S.ep->fid, 0)) == 0 && (r = fi_mr_enable(S.heap_mr)) == 0 && (r = fi_mr_bind(S.buf_mr, &S.ep->fid, 0)) == 0)
      r = fi_mr_enable(S.buf_mr);
  }
  if (r != 0) {
    cleanup();
    return throw_fi(env, "LAMELLAR_ERR_OFI_PROVIDER", "cannot register the heap with the fabric", r);
  }
  S.heap_desc = fi_mr_desc(S.heap_mr);
  S.buf_desc = fi_mr_desc(S.buf_mr);
  S.heap_key = fi_mr_key(S.heap_mr);
  if ((r = fi_enable(S.ep)) != 0) {
    cleanup();
    return throw_fi(env, "LAMELLAR_ERR_OFI_PROVIDER", "cannot enable the endpoint", r);
  }
  uint8_t *p = S.bufs;
  for (int i = 0; i < N_RECV; i++, p += HDR + CHUNK) S.recv_buf[i] = p;
  for (int i = 0; i < N_SEND; i++, p += HDR + CHUNK) {
    S.send_buf[i] = p;
    S.send_free[S.n_send_free++] = i;
  }
  for (int i = 0; i < N_SMALL; i++, p += SMALL) {
    S.small_buf[i] = p;
    S.small_free[S.n_small_free++] = i;
  }
  S.slots = (slot_t *)p;
  for (int i = 0; i < N_OPS; i++) {
    S.slot_free[S.n_slot_free++] = i;
    S.ops[i].next_free = S.op_free;
    S.op_free = &S.ops[i];
  }
  for (int i = 0; i < N_RECV; i++) post_recv(i);

  uint8_t addr[256];
  size_t alen = sizeof addr;
  if ((r = fi_getname(&S.ep->fid, addr, &alen)) != 0) {
    cleanup();
    return throw_fi(env, "LAMELLAR_ERR_OFI_PROVIDER", "cannot read the endpoint's address", r);
  }
  napi_value res, abuf, arr, tmp;
  void *adata;
  CHECK(napi_create_object(env, &res));
  set(env, res, "provider", str(env, fi->fabric_attr->prov_name));
  set(env, res, "fabric", str(env, fi->fabric_attr->name));
  set(env, res, "domain", str(env, fi->domain_attr->name));
  CHECK(napi_create_arraybuffer(env, alen, &adata, &abuf));
  memcpy(adata, addr, alen);
  CHECK(napi_create_typedarray(env, napi_uint8_array, alen, abuf, 0, &tmp));
  set(env, res, "address", tmp);
  CHECK(napi_create_bigint_uint64(env, S.heap_key, &tmp));
  set(env, res, "key", tmp);
  CHECK(napi_create_bigint_uint64(env, (uint64_t)(uintptr_t)S.heap, &tmp));
  set(env, res, "base", tmp);
  CHECK(napi_get_boolean(env, S.virt_addr, &tmp));
  set(env, res, "virtAddr", tmp);
  CHECK(napi_get_boolean(env, S.cq_waitable, &tmp));
  set(env, res, "waitable", tmp);
  CHECK(napi_get_boolean(env, (fi->domain_attr->mr_mode & (FI_MR_ALLOCATED | FI_MR_LOCAL)) != 0, &tmp));
  set(env, res, "pinned", tmp);
  /* which (word, op) pairs the provider performs itself */
  CHECK(napi_create_array(env, &arr));
  for (int w = 0; w < 8; w++) {
    napi_value row;
    CHECK(napi_create_array(env, &row));
    for (int op = 0; op < 9; op++) {
      int ok = 0;
      if (fabric_atomics && (fi->caps & FI_ATOMIC)) {
        struct fi_atomic_attr aa;
        ok = fi_query_atomic(S.domain, DTYPES[w], FOPS[op], &aa, op == 8 ? FI_COMPARE_ATOMIC : FI_FETCH_ATOMIC) == 0 && aa.count >= 1;
      }
      napi_value b;
      napi_get_boolean(env, ok, &b);
      napi_set_element(env, row, (uint32_t)op, b);
    }
    napi_set_element(env, arr, (uint32_t)w, row);
  }
  set(env, res, "atomics", arr);
  set(env, res, "doorbell", str(env, S.bell_name));
  return res;
}

/* connect(peers: [{ address, key, base, token }], myToken, onWake): fills the address vector and
 * starts the progress thread. */
static napi_value connect_(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  uint32_t n;
  CHECK(napi_get_array_length(env, argv[0], &n));
  S.addr = calloc(n, sizeof(fi_addr_t));
  S.peer_key = calloc(n, 8);
  S.peer_base = calloc(n, 8);
  S.peer_token = calloc(n, 8);
  S.seq_out = calloc(n, 4);
  S.seq_in = calloc(n, 4);
  bool lossless;
  CHECK(napi_get_value_bigint_uint64(env, argv[1], &S.my_token, &lossless));
  for (uint32_t i = 0; i < n; i++) {
    napi_value p;
    napi_get_element(env, argv[0], i, &p);
    size_t alen;
    uint8_t *a = bytes_of(env, prop(env, p, "address"), &alen);
    napi_get_value_bigint_uint64(env, prop(env, p, "key"), &S.peer_key[i], &lossless);
    napi_get_value_bigint_uint64(env, prop(env, p, "base"), &S.peer_base[i], &lossless);
    napi_get_value_bigint_uint64(env, prop(env, p, "token"), &S.peer_token[i], &lossless);
    if (S.my_bell != NULL) {
      if (S.peer_bell == NULL) {
        S.peer_bell = calloc(n, sizeof(int32_t *));
        S.ring_peer = calloc(n, 1);
      }
      char name[64] = "";
      napi_valuetype bt;
      napi_typeof(env, prop(env, p, "doorbell"), &bt);
      if (bt == napi_string) napi_get_value_string_utf8(env, prop(env, p, "doorbell"), name, sizeof name, NULL);
      if ((int)i == S.me) S.peer_bell[i] = S.my_bell;
      else if (name[0] == '/') {
        int fd = shm_open(name, O_RDWR, 0);
        if (fd >= 0) {
          void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
          close(fd);
          S.peer_bell[i] = m == MAP_FAILED ? NULL : m;
        }
      }
    }
    int r = fi_av_insert(S.av, a, 1, &S.addr[i], 0, NULL);
    if (r != 1) return throw_fi(env, "LAMELLAR_ERR_OFI_PROVIDER", "cannot insert a peer's address", r < 0 ? r : FI_EINVAL);
  }
  napi_value name = str(env, "lamellar-ofi-wake");
  CHECK(napi_create_threadsafe_function(env, argv[2], NULL, name, 0, 1, NULL, NULL, NULL, NULL, &S.tsfn));
  if (pthread_create(&S.thread, NULL, progress, NULL) != 0) {
    napi_throw_error(env, "LAMELLAR_ERR_INTERNAL", "cannot start the ofi progress thread");
    return NULL;
  }
  S.thread_started = 1;
  return NULL;
}

/* unlinkDoorbell(): every peer has mapped this PE's doorbell; its name is no longer needed. */
static napi_value unlink_bell(napi_env env, napi_callback_info cbinfo) {
  (void)env;
  (void)cbinfo;
  if (S.bell_name[0]) shm_unlink(S.bell_name);
  S.bell_name[0] = '\0';
  return NULL;
}

static napi_value kick(napi_env env, napi_callback_info cbinfo) {
  (void)env;
  (void)cbinfo;
  if (S.cq == NULL) return NULL;
  if (S.cq_waitable) fi_cq_signal(S.cq);
  else if (S.my_bell) {
    __atomic_fetch_add(&S.my_bell[0], 1, __ATOMIC_SEQ_CST);
    futex(&S.my_bell[0], FUTEX_WAKE, 1, NULL);
  }
  return NULL;
}

/* close(): stops the progress thread and releases the fabric, the heap registration and refs. */
static napi_value close_(napi_env env, napi_callback_info cbinfo) {
  (void)cbinfo;
  if (!S.open) return NULL;
  if (S.thread_started) {
    S.stop = 1;
    __atomic_fetch_add(&S.ctl[C_BELL], 1, __ATOMIC_SEQ_CST);
    if (S.cq_waitable) fi_cq_signal(S.cq);
    else {
      __atomic_fetch_add(&S.my_bell[0], 1, __ATOMIC_SEQ_CST);
      futex(&S.my_bell[0], FUTEX_WAKE, 1, NULL);
    }
    pthread_join(S.thread, NULL);
    napi_release_threadsafe_function(S.tsfn, napi_tsfn_abort);
  }
  for (int i = 0; i < 3; i++)
    if (S.refs[i]) napi_delete_reference(env, S.refs[i]);
  cleanup();
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"providers", NULL, providers, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, open_, NULL, NULL, NULL, napi_default, NULL},
      {"connect", NULL, connect_, NULL, NULL, NULL, napi_default, NULL},
      {"kick", NULL, kick, NULL, NULL, NULL, napi_default, NULL},
      {"unlinkDoorbell", NULL, unlink_bell, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, close_, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof d / sizeof d[0], d);
  napi_value v;
  napi_create_string_utf8(env, fi_tostr(&(uint32_t){fi_version()}, FI_TYPE_VERSION), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, exports, "libfabricVersion", v);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
