/* coremark.c: a CoreMark-style workload written for vcheck (not EEMBC's
   code): linked-list search and sort, matrix multiply-accumulate, a
   byte-driven state machine, and CRC-16 over all results, repeated. */
#include <stdint.h>
#include <stddef.h>

#define ITERATIONS 1500
#define LIST_LEN 64
#define MAT_N 16
#define TEXT_LEN 256

struct node {
	struct node *next;
	int16_t data;
	int16_t idx;
};

static struct node pool[LIST_LEN];
static int16_t mat_a[MAT_N * MAT_N], mat_b[MAT_N * MAT_N];
static int32_t mat_c[MAT_N * MAT_N];
static uint8_t text[TEXT_LEN];

static uint16_t crc16(uint16_t crc, uint32_t v, int bytes) {
	for (int b = 0; b < bytes; b++) {
		uint8_t d = (uint8_t)(v >> (8 * b));
		crc ^= d;
		for (int i = 0; i < 8; i++)
			crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xa001) : (uint16_t)(crc >> 1);
	}
	return crc;
}

static uint32_t lcg(uint32_t *s) {
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static struct node *list_init(uint32_t seed) {
	for (int i = 0; i < LIST_LEN; i++) {
		pool[i].data = (int16_t)(lcg(&seed) & 0x7fff);
		pool[i].idx = (int16_t)i;
		pool[i].next = (i + 1 < LIST_LEN) ? &pool[i + 1] : NULL;
	}
	return &pool[0];
}

/* merge sort on a singly linked list, by data or by idx */
static struct node *list_sort(struct node *h, int by_idx) {
	int k = 1;
	for (;;) {
		struct node *p = h, *tail = NULL;
		h = NULL;
		int merges = 0;
		while (p) {
			merges++;
			struct node *q = p;
			int psize = 0;
			for (int i = 0; i < k && q; i++) { psize++; q = q->next; }
			int qsize = k;
			while (psize > 0 || (qsize > 0 && q)) {
				struct node *e;
				if (psize == 0) { e = q; q = q->next; qsize--; }
				else if (qsize == 0 || !q) { e = p; p = p->next; psize--; }
				else {
					int a = by_idx ? p->idx : p->data, b = by_idx ? q->idx : q->data;
					if (a <= b) { e = p; p = p->next; psize--; }
					else { e = q; q = q->next; qsize--; }
				}
				if (tail) tail->next = e; else h = e;
				tail = e;
			}
			p = q;
		}
		tail->next = NULL;
		if (merges <= 1) return h;
		k *= 2;
	}
}

static uint16_t list_bench(uint32_t seed, uint16_t crc) {
	struct node *h = list_init(seed);
	h = list_sort(h, 0);
	for (struct node *p = h; p; p = p->next) crc = crc16(crc, (uint16_t)p->data, 2);
	/* search and reverse */
	int16_t want = pool[seed % LIST_LEN].data;
	int found = 0;
	for (struct node *p = h; p; p = p->next, found++) if (p->data == want) break;
	crc = crc16(crc, (uint32_t)found, 2);
	struct node *r = NULL;
	while (h) { struct node *n = h->next; h->next = r; r = h; h = n; }
	h = list_sort(r, 1);
	crc = crc16(crc, (uint16_t)h->data, 2);
	return crc;
}

static uint16_t matrix_bench(uint32_t seed, uint16_t crc) {
	for (int i = 0; i < MAT_N * MAT_N; i++) {
		mat_a[i] = (int16_t)(lcg(&seed) & 0xff) - 128;
		mat_b[i] = (int16_t)(lcg(&seed) & 0xff) - 128;
	}
	for (int i = 0; i < MAT_N; i++)
		for (int j = 0; j < MAT_N; j++) {
			int32_t s = 0;
			for (int k = 0; k < MAT_N; k++) s += (int32_t)mat_a[i * MAT_N + k] * mat_b[k * MAT_N + j];
			mat_c[i * MAT_N + j] = s;
		}
	int32_t acc = 0;
	for (int i = 0; i < MAT_N * MAT_N; i++) acc += (mat_c[i] >> 3) ^ i;
	return crc16(crc, (uint32_t)acc, 4);
}

enum state { START, INT, FRAC, EXP, SCI, INVALID, NSTATES };

static uint16_t state_bench(uint32_t seed, uint16_t crc) {
	static const char alphabet[] = "0123456789.e-+, x";
	for (int i = 0; i < TEXT_LEN; i++) text[i] = (uint8_t)alphabet[lcg(&seed) % (sizeof alphabet - 1)];
	uint32_t counts[NSTATES] = {0};
	enum state s = START;
	for (int i = 0; i < TEXT_LEN; i++) {
		uint8_t c = text[i];
		if (c == ',') { counts[s]++; s = START; continue; }
		switch (s) {
		case START: s = (c >= '0' && c <= '9') ? INT : (c == '-' || c == '+') ? INT : (c == '.') ? FRAC : INVALID; break;
		case INT: s = (c >= '0' && c <= '9') ? INT : (c == '.') ? FRAC : (c == 'e') ? EXP : INVALID; break;
		case FRAC: s = (c >= '0' && c <= '9') ? FRAC : (c == 'e') ? EXP : INVALID; break;
		case EXP: s = (c >= '0' && c <= '9' || c == '-' || c == '+') ? SCI : INVALID; break;
		case SCI: s = (c >= '0' && c <= '9') ? SCI : INVALID; break;
		default: break;
		}
	}
	for (int i = 0; i < NSTATES; i++) crc = crc16(crc, counts[i], 4);
	return crc;
}

volatile uint16_t result;

int main(void) {
	uint16_t crc = 0;
	for (uint32_t it = 0; it < ITERATIONS; it++) {
		crc = list_bench(it * 7 + 1, crc);
		crc = matrix_bench(it * 13 + 5, crc);
		crc = state_bench(it * 17 + 3, crc);
	}
	result = crc;
	return crc == EXPECTED_CRC ? 0 : 2;
}
