#ifndef LAMELLAR_OFI_H
#define LAMELLAR_OFI_H
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
 *
 * Files: ofi.h (this: the wire numbers, the state, the rings), messages.c (records for the main
 * thread, commands from it, messages from peers), progress.c (completions and the thread's loop),
 * addon.c (the Node-API functions: providers, open, connect, kick, close).
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
#define FLAG_REGISTERED 2 /* write/read: x is a user-buffer registration (reg()), not a heap address */
#define FLAG_APPLIED 4    /* a received atomic held for a retry: applied, its old value in the body */
#define N_REGS 1024
/* A registered buffer's slot rides in the low 16 bits of a write/read record's `x`. */
_Static_assert(N_REGS <= 0x10000, "registration slots must fit 16 bits");
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
  int pe;       /* the peer of a send, write, read or atomic */
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

struct ofi_state {
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
  /* drain_out stopped at a command it could not post (no send buffer or op, EAGAIN): the
   * records left in the out ring are no reason not to sleep until a completion frees one */
  int out_stuck;
  int outstanding;
  int quiesce_wanted;
  uint32_t quiesce_id;
  /* doorbells for providers without wait objects (shm): one shared page per PE on this host */
  int32_t *my_bell;          /* [0] sequence, [16] 1 while the progress thread sleeps, [17] 1 while it sleeps waiting for its own operations */
  int32_t **peer_bell;       /* NULL for a peer on another host */
  uint8_t *ring_peer;        /* peers to ring at the end of this pass */
  char bell_name[64];
  /* user buffers registered for one large put or get (reg()/unreg(), main thread) */
  struct {
    struct fid_mr *mr;
    uint8_t *ptr;
    size_t len;
    void *desc;
    napi_ref ref;
  } regs[N_REGS];
  /* the requested keys of the heap's and the buffers' registrations, and the key size's mask:
   * a user-buffer registration requests a key of its own (reg_key_of), as a provider that lets
   * the application choose keys refuses a key already in use (FI_ENOKEY) */
  uint64_t key_req, key_buf, key_mask;
  /* thread */
  pthread_t thread;
  int thread_started;
  volatile int stop;
  int64_t fatal_at;
  napi_threadsafe_function tsfn;
  napi_ref refs[3];
};

extern struct ofi_state S;

static inline int64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* ---- rings (same algorithm and memory ordering as ring.ts) ---- */

static inline void ring_init(ring_t *r, uint8_t *base, uint32_t cap) {
  r->head = (int32_t *)(base + R_HEAD);
  r->tail = (int32_t *)(base + R_TAIL);
  r->waiting = (int32_t *)(base + R_WAITING);
  r->data = base + R_DATA;
  r->cap = cap;
  r->mask = cap - 1;
}

static inline uint8_t *ring_reserve(ring_t *r, uint32_t len) {
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

static inline void ring_publish(ring_t *r) { __atomic_store_n(r->tail, r->next_tail, __ATOMIC_SEQ_CST); }

static inline int ring_has_data(ring_t *r) { return __atomic_load_n(r->tail, __ATOMIC_SEQ_CST) != *r->head; }

static inline long futex(int32_t *w, int op, int32_t v, const struct timespec *t) { return syscall(SYS_futex, w, op, v, t, NULL, 0); }

/* messages.c: records for the main thread, sends, commands and peers' messages */
void wake_main(void);
void put_hdr(uint8_t *h, uint32_t len, uint8_t type, uint8_t sub, uint16_t flags, uint32_t pe, uint32_t id, uint32_t addr, uint32_t arg, uint64_t x);
void to_main(const uint8_t *hdr, const uint8_t *body, uint32_t blen);
void note(uint8_t type, uint8_t sub, uint32_t id, uint64_t x, const char *msg);
void note_pe(uint8_t type, uint8_t sub, uint32_t id, uint32_t pe, const char *msg);
void fatal(uint8_t kind, const char *msg);
void fatal_peer(uint8_t kind, int peer, const char *msg);
int retry_pending(void);
void op_put(op_t *o);
void post_recv(int i);
void release_send(int idx);
int drain_out(void);
int incoming(uint8_t *m, size_t got);
void recycle(int b);
void release_in_order(void);
extern const enum fi_datatype DTYPES[8];
extern const enum fi_op FOPS[9];

/* progress.c: completions and the progress thread */
void *progress(void *arg);

#endif
