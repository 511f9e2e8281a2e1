/* addon.c: the Node-API face of the addon: providers(), open(), connect(), kick(),
 * unlinkDoorbell() and close() (see ofi.h and src/lamellae/ofi/addon.ts). */
#include "ofi.h"

struct ofi_state S;

static void at_exit(void);

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
  for (int i = 0; i < N_REGS; i++)
    if (S.regs[i].mr) fi_close(&S.regs[i].mr->fid);
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

/* A failed open() gives back what it took: the references to the heap and ring buffers too,
 * which cleanup() (also run at exit, with no env) cannot delete. */
static void open_failed(napi_env env) {
  for (int i = 0; i < 3; i++)
    if (S.refs[i]) napi_delete_reference(env, S.refs[i]);
  cleanup();
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
  static int exit_hooked = 0;
  if (!exit_hooked) exit_hooked = atexit(at_exit) == 0;

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
    open_failed(env);
    napi_throw_error(env, "LAMELLAR_ERR_OFI_PROVIDER", m);
    return NULL;
  }
  struct fi_info *fi = S.info;
  if (fi->ep_attr->max_msg_size < HDR + CHUNK) {
    /* Frame parts are sent whole; RMA is split at max_msg_size (the main thread's parts). */
    char m[300];
    snprintf(m, sizeof m, "libfabric provider '%s' carries at most %zu bytes in one message; the ofi lamella sends messages of up to %d",
             fi->fabric_attr->prov_name, fi->ep_attr->max_msg_size, HDR + CHUNK);
    open_failed(env);
    napi_throw_error(env, "LAMELLAR_ERR_OFI_PROVIDER", m);
    return NULL;
  }
  S.virt_addr = (fi->domain_attr->mr_mode & FI_MR_VIRT_ADDR) != 0;
  if ((r = fi_fabric(fi->fabric_attr, &S.fabric, NULL)) || (r = fi_domain(S.fabric, fi, &S.domain, NULL))) {
    open_failed(env);
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
    open_failed(env);
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
  S.key_req = key;
  S.key_buf = key ^ 0x5a5a5a5a;
  S.key_mask = fi->domain_attr->mr_key_size < 8 ? (1ull << (8 * fi->domain_attr->mr_key_size)) - 1 : ~0ull;
  if (r == 0 && (fi->domain_attr->mr_mode & FI_MR_ENDPOINT)) {
    if ((r = fi_mr_bind(S.heap_mr, &S.ep->fid, 0)) == 0 && (r = fi_mr_enable(S.heap_mr)) == 0 && (r = fi_mr_bind(S.buf_mr, &S.ep->fid, 0)) == 0)
      r = fi_mr_enable(S.buf_mr);
  }
  if (r != 0) {
    open_failed(env);
    return throw_fi(env, "LAMELLAR_ERR_OFI_PROVIDER", "cannot register the heap with the fabric", r);
  }
  S.heap_desc = fi_mr_desc(S.heap_mr);
  S.buf_desc = fi_mr_desc(S.buf_mr);
  S.heap_key = fi_mr_key(S.heap_mr);
  if ((r = fi_enable(S.ep)) != 0) {
    open_failed(env);
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
    open_failed(env);
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
  /* The largest transfer one operation may carry; larger puts and gets go in parts of it. */
  CHECK(napi_create_double(env, (double)fi->ep_attr->max_msg_size, &tmp));
  set(env, res, "maxMsg", tmp);
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
    if (r != 1) {
      /* Name the peer and the address its card gave (as the provider prints it). */
      char addr[128] = "?", what[220];
      size_t al = sizeof addr;
      fi_av_straddr(S.av, a, addr, &al);
      snprintf(what, sizeof what, "PE %d cannot insert PE %u's fabric address %s", S.me, i, addr);
      return throw_fi(env, "LAMELLAR_ERR_OFI_PROVIDER", what, r < 0 ? r : FI_EINVAL);
    }
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

/* The key registration slot `slot` requests: after the heap's key, clear of the buffers'. */
static uint64_t reg_key_of(int slot) {
  uint64_t k = (S.key_req + 1 + (uint64_t)slot) & S.key_mask;
  if (k == S.key_req || k == (S.key_buf & S.key_mask)) k = (k + N_REGS + 1) & S.key_mask;
  return k;
}

/* reg(view: Uint8Array) -> slot | -1: registers a buffer outside the heap for one large put or
 * get, so the fabric reads or writes it in place instead of through a heap staging block. The
 * reference keeps the buffer alive until unreg(slot), which the lamella calls on completion. */
static napi_value reg(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 1;
  napi_value argv[1], out;
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  int slot = -1;
  /* Closed (an abort between a put's or get's start and this call): no domain to register
   * with; the caller finds the lamella closed and fails the operation. */
  if (!S.open || S.domain == NULL) {
    CHECK(napi_create_int32(env, -1, &out));
    return out;
  }
  for (int i = 0; i < N_REGS; i++)
    if (S.regs[i].mr == NULL) {
      slot = i;
      break;
    }
  size_t len = 0;
  uint8_t *p = bytes_of(env, argv[0], &len);
  if (slot >= 0 && p != NULL && len > 0 &&
      fi_mr_reg(S.domain, p, len, FI_READ | FI_WRITE, 0, reg_key_of(slot), 0, &S.regs[slot].mr, NULL) == 0) {
    if ((S.info->domain_attr->mr_mode & FI_MR_ENDPOINT) && (fi_mr_bind(S.regs[slot].mr, &S.ep->fid, 0) || fi_mr_enable(S.regs[slot].mr))) {
      fi_close(&S.regs[slot].mr->fid);
      S.regs[slot].mr = NULL;
      slot = -1;
    } else {
      S.regs[slot].ptr = p;
      S.regs[slot].len = len;
      S.regs[slot].desc = fi_mr_desc(S.regs[slot].mr);
      napi_create_reference(env, argv[0], 1, &S.regs[slot].ref);
    }
  } else {
    if (slot >= 0) S.regs[slot].mr = NULL;
    slot = -1;
  }
  CHECK(napi_create_int32(env, slot, &out));
  return out;
}

static napi_value unreg(napi_env env, napi_callback_info cbinfo) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t slot = -1;
  CHECK(napi_get_cb_info(env, cbinfo, &argc, argv, NULL, NULL));
  napi_get_value_int32(env, argv[0], &slot);
  if (!S.open || slot < 0 || slot >= N_REGS || S.regs[slot].mr == NULL) return NULL;
  fi_close(&S.regs[slot].mr->fid);
  napi_delete_reference(env, S.regs[slot].ref);
  memset(&S.regs[slot], 0, sizeof S.regs[slot]);
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
static void stop_thread(void) {
  if (!S.thread_started) return;
  S.thread_started = 0;
  S.stop = 1;
  __atomic_fetch_add(&S.ctl[C_BELL], 1, __ATOMIC_SEQ_CST);
  if (S.cq_waitable) fi_cq_signal(S.cq);
  else {
    __atomic_fetch_add(&S.my_bell[0], 1, __ATOMIC_SEQ_CST);
    futex(&S.my_bell[0], FUTEX_WAKE, 1, NULL);
  }
  pthread_join(S.thread, NULL);
}

/* A process that ends without close() (a PE that fails and throws) still closes its endpoint:
 * providers such as shm keep per-endpoint shared-memory files that only fi_close removes. */
static void at_exit(void) {
  if (!S.open) return;
  stop_thread();
  cleanup();
}

static napi_value close_(napi_env env, napi_callback_info cbinfo) {
  (void)cbinfo;
  if (!S.open) return NULL;
  if (S.thread_started) {
    stop_thread();
    napi_release_threadsafe_function(S.tsfn, napi_tsfn_abort);
  }
  for (int i = 0; i < 3; i++)
    if (S.refs[i]) napi_delete_reference(env, S.refs[i]);
  for (int i = 0; i < N_REGS; i++)
    if (S.regs[i].ref) napi_delete_reference(env, S.regs[i].ref);
  cleanup();
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"providers", NULL, providers, NULL, NULL, NULL, napi_default, NULL},
      {"open", NULL, open_, NULL, NULL, NULL, napi_default, NULL},
      {"connect", NULL, connect_, NULL, NULL, NULL, napi_default, NULL},
      {"kick", NULL, kick, NULL, NULL, NULL, napi_default, NULL},
      {"reg", NULL, reg, NULL, NULL, NULL, napi_default, NULL},
      {"unreg", NULL, unreg, NULL, NULL, NULL, napi_default, NULL},
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

