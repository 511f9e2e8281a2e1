/* messages.c: what the progress thread says to the main thread, and the messages it sends,
 * serves and hands on (see ofi.h). */
#include "ofi.h"

/* ---- waking the main thread ---- */

void wake_main(void) {
  if (__atomic_exchange_n(&S.ctl[C_MAIN_PENDING], 1, __ATOMIC_SEQ_CST) == 0)
    napi_call_threadsafe_function(S.tsfn, NULL, napi_tsfn_nonblocking);
}

/* ---- records for the main thread ---- */

void put_hdr(uint8_t *h, uint32_t len, uint8_t type, uint8_t sub, uint16_t flags, uint32_t pe, uint32_t id, uint32_t addr,
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
void to_main(const uint8_t *hdr, const uint8_t *body, uint32_t blen) {
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

void note(uint8_t type, uint8_t sub, uint32_t id, uint64_t x, const char *msg) {
  uint8_t h[HDR];
  uint32_t n = msg ? (uint32_t)strlen(msg) : 0;
  put_hdr(h, n, type, sub, 0, 0, id, 0, 0, x);
  to_main(h, (const uint8_t *)msg, n);
}

/* As note(), for a failed operation on PE `pe`: the header names it, and the main thread's
 * error then names that PE as the failure's origin (it was most likely lost). */
void note_pe(uint8_t type, uint8_t sub, uint32_t id, uint32_t pe, const char *msg) {
  uint8_t h[HDR];
  uint32_t n = msg ? (uint32_t)strlen(msg) : 0;
  put_hdr(h, n, type, sub, 0, pe, id, 0, 0, 0);
  to_main(h, (const uint8_t *)msg, n);
}

/* A failure that ends the job; `peer` is the PE it concerns (a send to it failed), -1 if none is
 * known. The header carries peer + 1, so 0 means none. */
void fatal_peer(uint8_t kind, int peer, const char *msg) {
  if (S.fatal_at == 0) S.fatal_at = now_ns();
  uint8_t h[HDR];
  uint32_t n = msg ? (uint32_t)strlen(msg) : 0;
  put_hdr(h, n, T_FATAL, kind, 0, (uint32_t)(peer + 1), 0, 0, 0, 0);
  to_main(h, (const uint8_t *)msg, n);
}

void fatal(uint8_t kind, const char *msg) { fatal_peer(kind, -1, msg); }

int retry_pending(void) {
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

void op_put(op_t *o) {
  o->kind = OP_FREE;
  o->next_free = S.op_free;
  S.op_free = o;
}

void post_recv(int i) {
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

/* Sends `len` bytes (a whole message) to `pe` from a send buffer. 0 sent, -1 no room now (try
 * again later), -2 failed for good: the peer is reported lost (fatal_peer) and the message is
 * dropped, so a caller must not retry it (every retry reported the loss again). */
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
  o->pe = pe;
  ssize_t r = fi_send(S.ep, buf, len, S.buf_desc, S.addr[pe], &o->ctx);
  if (r == 0) {
    S.outstanding++;
    if (S.ring_peer) S.ring_peer[pe] = 1;
    return 0;
  }
  op_put(o);
  int gone = r != -FI_EAGAIN;
  if (gone) {
    char m[200];
    snprintf(m, sizeof m, "PE %d could not send to PE %d over the fabric: %s", S.me, pe, fi_strerror((int)-r));
    fatal_peer(FATAL_PE_FAILED, pe, m);
  }
  if (idx < 0) S.small_free[S.n_small_free++] = -1 - idx;
  else S.send_free[S.n_send_free++] = idx;
  return gone ? -2 : -1;
back:
  if (idx < 0) S.small_free[S.n_small_free++] = -1 - idx;
  else S.send_free[S.n_send_free++] = idx;
  return -1;
}

void release_send(int idx) {
  if (idx < 0) S.small_free[S.n_small_free++] = -1 - idx;
  else S.send_free[S.n_send_free++] = idx;
}

static uint64_t remote_addr(int pe, uint32_t addr) { return S.virt_addr ? S.peer_base[pe] + addr : addr; }

const enum fi_datatype DTYPES[8] = {FI_INT8, FI_UINT8, FI_INT16, FI_UINT16, FI_INT32, FI_UINT32, FI_INT64, FI_UINT64};
/* load store swap add sub and or xor cas */
const enum fi_op FOPS[9] = {FI_ATOMIC_READ, FI_ATOMIC_WRITE, FI_ATOMIC_WRITE, FI_SUM, FI_SUM, FI_BAND, FI_BOR, FI_BXOR, FI_CSWAP};

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
      if (send_msg((int)pe, m, len) == -1) return 0;
      S.seq_out[pe]++;
      return 1;
    case T_SIGNAL:
    case T_LEN:
      return send_msg((int)pe, m, len) != -1;
    case T_ATOMIC:
      if (!(flags & FLAG_FABRIC)) return send_msg((int)pe, m, len) != -1;
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
        o->pe = (int)pe;
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
        note_pe(T_ERROR, ERR_FABRIC, id, pe, msg);
        return 1;
      }
    case T_WRITE:
    case T_READ: {
      if (flags & FLAG_REGISTERED) {
        /* The main thread keeps a registration until every part posted from it completes (and
         * after a failure, until exit); a record naming an empty slot or reaching past the
         * buffer is a runtime bug, refused rather than posted through a stray pointer. */
        uint64_t slot = x & 0xffff, off = x >> 16;
        if (slot >= N_REGS || S.regs[slot].ptr == NULL || off + arg > S.regs[slot].len) {
          note_pe(T_ERROR, ERR_FABRIC, id, pe, "a write or read named a buffer registration that does not hold it");
          return 1;
        }
      }
      op_t *o = op_get(type == T_WRITE ? OP_WRITE : OP_READ);
      if (o == NULL) return 0;
      o->id = id;
      o->pe = (int)pe;
      /* A registered user buffer: its entry was filled before the main thread published this
       * record (the ring's release/acquire pair orders it). `x` holds the slot in its low 16
       * bits and the part's offset into the buffer above them (a transfer split into parts). */
      uint8_t *local = (flags & FLAG_REGISTERED) ? S.regs[x & 0xffff].ptr + (x >> 16) : S.heap + x;
      void *desc = (flags & FLAG_REGISTERED) ? S.regs[x & 0xffff].desc : S.heap_desc;
      ssize_t r;
      if (type == T_WRITE) {
        /* A put resolves only once its bytes are placed at the target (FI_DELIVERY_COMPLETE). The
         * provider's default, transmit-complete, lets tcp;ofi_rxm complete a write as soon as it
         * is in the socket; the barrier runs over the bootstrap's own connections, so it could
         * then finish before the data landed and a peer read the old value. */
        struct iovec iov = {.iov_base = local, .iov_len = arg};
        struct fi_rma_iov rma = {.addr = remote_addr((int)pe, addr), .len = arg, .key = S.peer_key[pe]};
        struct fi_msg_rma msg = {.msg_iov = &iov, .desc = &desc, .iov_count = 1, .addr = S.addr[pe], .rma_iov = &rma,
                                 .rma_iov_count = 1, .context = &o->ctx};
        r = fi_writemsg(S.ep, &msg, FI_COMPLETION | FI_DELIVERY_COMPLETE);
      } else {
        r = fi_read(S.ep, local, arg, desc, S.addr[pe], remote_addr((int)pe, addr), S.peer_key[pe], &o->ctx);
      }
      if (r == 0) {
        S.outstanding++;
        if (S.ring_peer) S.ring_peer[pe] = 1;
        return 1;
      }
      op_put(o);
      if (r == -FI_EAGAIN) return 0;
      char msg[160];
      snprintf(msg, sizeof msg, "%s to PE %u failed: %s", type == T_WRITE ? "fi_write" : "fi_read", pe, fi_strerror((int)-r));
      note_pe(T_ERROR, ERR_FABRIC, id, pe, msg);
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

int drain_out(void) {
  int n = 0;
  ring_t *r = &S.out;
  int32_t head = *r->head;
  const int32_t start = head;
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
  S.out_stuck = head != tail;
  /* Only once room was made since the last wake: waking the main thread for a ring still full
   * made it retry, fail and set the flag again, a loop that kept both threads busy while a slow
   * peer held every send buffer. `made_room` outlives the pass: room made before the main
   * thread set the flag still wakes it on the next pass. */
  static int made_room = 0;
  if (head != start) made_room = 1;
  if (made_room && __atomic_load_n(r->waiting, __ATOMIC_SEQ_CST) == 1) {
    made_room = 0;
    __atomic_store_n(r->waiting, 0, __ATOMIC_SEQ_CST);
    wake_main();
  }
  return n;
}

/* ---- messages from peers ---- */

/* Returns 1 when the message was handled, 0 to hold it until a reply buffer is free, 2 to hold a
 * frame part that arrived ahead of an earlier one from the same sender. */
int incoming(uint8_t *m, size_t got) {
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
      if ((int32_t)(id - S.seq_in[pe]) < 0) {
        /* Behind the next expected part: one this PE already took. Held, it would pin a
         * receive buffer for good; the reliable endpoint never delivers a message twice. */
        snprintf(msg, sizeof msg, "PE %u sent frame part %u to PE %d again (the next expected is %u)", pe, id, S.me, S.seq_in[pe]);
        fatal(FATAL_PROTOCOL, msg);
        return 1;
      }
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
      /* The length travels in the body (it may be 4 GiB); on the fabric x carries the token. */
      uint8_t out[HDR + 8];
      uint64_t hl = heap_len64();
      put_hdr(out, 8, T_LEN_RESULT, 0, 0, 0, id, 0, 0, 0);
      memcpy(out + HDR, &hl, 8);
      return send_msg((int)pe, out, HDR + 8) != -1;
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
        return send_msg((int)pe, out, HDR + (uint32_t)n) != -1;
      }
      uint64_t v, e, old;
      memcpy(&v, m + HDR, 8);
      memcpy(&e, m + HDR + 8, 8);
      uint16_t mflags;
      memcpy(&mflags, m + 6, 2);
      if (mflags & FLAG_APPLIED) {
        /* applied on an earlier try, whose reply could not go: send that result, never apply
         * the operation again */
        old = v;
      } else {
        if (S.n_send_free == 0 && S.n_small_free == 0) return 0;
        old = apply_atomic(S.heap + addr, w, op, v, e);
      }
      put_hdr(out, 8, T_ATOMIC_RESULT, sub, 0, 0, id, 0, 0, 0);
      memcpy(out + HDR, &old, 8);
      if (send_msg((int)pe, out, HDR + 8) != -1) return 1;
      /* Held for a retry (fi_send said EAGAIN, or no op was free): keep the result in the held
       * message itself, marked, so the retry only replies. */
      mflags |= FLAG_APPLIED;
      memcpy(m + 6, &mflags, 2);
      memcpy(m + HDR, &old, 8);
      return 0;
    }
    default:
      snprintf(msg, sizeof msg, "PE %u sent PE %d a message of type %u that only the main thread writes", pe, S.me, type);
      fatal(FATAL_PROTOCOL, msg);
      return 1;
  }
}

void recycle(int b) {
  if (S.paused) S.recv_held[S.n_recv_held++] = b;
  else post_recv(b);
}

/* Delivers held frame parts whose turn has come (each delivery may free the next). */
void release_in_order(void) {
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

