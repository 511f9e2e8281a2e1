/* progress.c: completions, the waits of the progress thread, and its loop (see ofi.h). */
#include "ofi.h"

static void completed(op_t *o, struct fi_cq_msg_entry *e) {
  uint8_t h[HDR];
  switch (o->kind) {
    case OP_RECV: {
      int r = incoming(S.recv_buf[o->buf], e->len);
      if (r == 2) {
        S.order_held[S.n_order_held++] = o->buf;
        if (S.n_order_held == N_RECV) {
          /* Every receive buffer now holds a part that waits for an earlier one. An earlier part
           * that is only late (a large one completing after smaller ones sent later) took its
           * buffer when it matched, in send order; one that holds none now can never arrive, as
           * no buffer is left to receive it. Said, not waited for. */
          uint32_t pe, id;
          char m[200];
          memcpy(&pe, S.recv_buf[o->buf] + 8, 4);
          memcpy(&id, S.recv_buf[o->buf] + 12, 4);
          snprintf(m, sizeof m, "PE %d holds %d frame parts that arrived ahead of earlier ones (PE %u sent part %u; the next expected is %u)",
                   S.me, N_RECV, pe, id, S.seq_in[pe]);
          fatal(FATAL_PROTOCOL, m);
        }
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
      snprintf(msg, sizeof msg, "PE %d was lost: a fabric send from PE %d to it failed: %s (%s)", o->pe, S.me, fi_strerror(err.err),
               pe ? pe : "");
      fatal_peer(FATAL_PE_FAILED, o->pe, msg);
      break;
    default:
      S.outstanding--;
      if (o->kind == OP_ATOMIC) S.slot_free[S.n_slot_free++] = o->slot;
      snprintf(msg, sizeof msg, "the fabric failed an operation on PE %d: %s (%s)", o->pe, fi_strerror(err.err), pe ? pe : "");
      note_pe(T_ERROR, ERR_FABRIC, o->id, (uint32_t)o->pe, msg);
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

/* Wakes the same-host peers asleep while their own operations are outstanding ([17] set). On
 * shm a writer's FI_DELIVERY_COMPLETE put completes only once the target's progress acknowledges
 * it; the target does not know whose write it acknowledged, so after a pass that a peer's doorbell
 * started it wakes every such sleeper, instead of leaving the writer to its 50 us poll. */
static void wake_waiting_writers(void) {
  if (S.peer_bell == NULL) return;
  for (int pe = 0; pe < S.npes; pe++) {
    int32_t *b = S.peer_bell[pe];
    if (b == NULL || b == S.my_bell || !__atomic_load_n(&b[17], __ATOMIC_SEQ_CST)) continue;
    __atomic_fetch_add(&b[0], 1, __ATOMIC_SEQ_CST);
    futex(&b[0], FUTEX_WAKE, 1, NULL);
  }
}

/*
 * Held receive buffers: a message still waiting for a reply buffer (0x10000 set; retried in
 * order, and everything after the first that still waits waits too), or a buffer to post again
 * once the pause is over. While paused, handled and free buffers stay in the list: an earlier
 * version dropped them from it without posting them, so every pause leaked receive buffers, and
 * under heavy two-way traffic a PE ran out of them and stopped receiving for good.
 */
static int retry_held(void) {
  int n = 0;
  int kept = 0;
  int i = 0;
  for (; i < S.n_recv_held; i++) {
    int b = S.recv_held[i];
    if (b & 0x10000) {
      b &= 0xffff;
      uint32_t len;
      memcpy(&len, S.recv_buf[b], 4);
      if (!incoming(S.recv_buf[b], HDR + (size_t)len)) break;
      n++;
    }
    if (S.paused) {
      S.recv_held[kept++] = b;
      continue;
    }
    post_recv(b);
    n++;
  }
  memmove(S.recv_held + kept, S.recv_held + i, sizeof(int) * (size_t)(S.n_recv_held - i));
  S.n_recv_held = kept + (S.n_recv_held - i);
  return n;
}

void *progress(void *arg) {
  (void)arg;
  struct fi_cq_msg_entry e[32];
  int64_t last = now_ns();
  int32_t last_dseq = S.my_bell ? __atomic_load_n(&S.my_bell[0], __ATOMIC_SEQ_CST) : 0;
  while (!S.stop) {
    int32_t seq = __atomic_load_n(&S.ctl[C_BELL], __ATOMIC_SEQ_CST);
    int32_t dseq = S.my_bell ? __atomic_load_n(&S.my_bell[0], __ATOMIC_SEQ_CST) : 0;
    int n = poll_cq();
    /* Rung since the last pass: a peer may be waiting for what that poll acknowledged. */
    if (dseq != last_dseq) {
      last_dseq = dseq;
      wake_waiting_writers();
    }
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
    /* Commands left in the out ring keep us awake unless the pass before could not post them:
     * then only a completion (a freed buffer or op) or the provider's own progress lets them
     * go, so sleep for one, briefly, instead of spinning on a command that cannot go. */
    if (__atomic_load_n(&S.ctl[C_BELL], __ATOMIC_SEQ_CST) != seq || (ring_has_data(&S.out) && !S.out_stuck) || S.stop) {
      __atomic_store_n(&S.ctl[C_SLEEP], 0, __ATOMIC_SEQ_CST);
      continue;
    }
    int timeout = S.out_stuck ? 1 : S.fatal_at != 0 || S.pend_head != NULL ? 100 : 1000;
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
      int waiting = S.outstanding > 0;
      int64_t ns = waiting ? 50000 : (int64_t)timeout * 1000000;
      struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
      __atomic_store_n(&S.my_bell[16], 1, __ATOMIC_SEQ_CST);
      /* [17]: the targets wake us when they have progressed (wake_waiting_writers). Set before
       * the poll below, so an acknowledgement lands either in that poll or after the flag. */
      if (waiting) __atomic_store_n(&S.my_bell[17], 1, __ATOMIC_SEQ_CST);
      if (poll_cq() == 0) futex(&S.my_bell[0], FUTEX_WAIT, dseq, &ts);
      __atomic_store_n(&S.my_bell[17], 0, __ATOMIC_SEQ_CST);
      __atomic_store_n(&S.my_bell[16], 0, __ATOMIC_SEQ_CST);
      __atomic_store_n(&S.ctl[C_SLEEP], 0, __ATOMIC_SEQ_CST);
    }
    last = now_ns();
    last -= (int64_t)S.spin_ns;
  }
  return NULL;
}

