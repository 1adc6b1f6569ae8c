/* SPDX-License-Identifier: MIT */
/*
 * schedsim workload parser. The format, one statement a line; `#` starts
 * a comment; words are separated by blanks:
 *
 *   cpus N                  physical CPUs, 1..16 (default 1)
 *   policy NAME             a registered policy (default credit)
 *   duration_<u> T          simulated time (default 10 s)
 *   seed N                  random times of io (dist exp) and irq (default 1)
 *   switch_cost_<u> T       lost each time a CPU loads a vCPU (default 0)
 *   put_cost_<u> T          lost on top when the CPU ran another vCPU
 *                           right before (default 0)
 *   wake_overhead_<u> T     added to each latency sample (default 0)
 *   wake_jitter_<u> T       plus a uniform draw in [0, T) (default 0)
 *   param NAME N            sched_set_params field: tslice_us, tick_us,
 *                           ratelimit_us or rt_share_pct
 *   vm NAME [weight N] [cap PCT] [rt_period_<u> T rt_budget_<u> T]
 *                           a VM; the reservation applies to each vCPU
 *   vcpu VM [cpu N] [cpus LIST] KIND OPTIONS...
 *                           a vCPU of an earlier VM on CPU N (default
 *                           0), pinned there unless LIST (CPU numbers
 *                           separated by commas, N among them) lets the
 *                           policy move it; KIND and its OPTIONS:
 *     hog                   always runnable
 *     periodic period_<u> T work_<u> T [phase_<u> T]
 *                           needs work every period, first at phase
 *     io run_<u> T block_<u> T [dist fixed|exp]
 *                           runs, blocks (exp: exponential, that mean)
 *     irq rate_hz R handler_<u> T
 *                           Poisson arrivals, R a second, T of work each
 *
 * <u> is the unit of the time after it: ns, us, ms or s. Times are
 * decimals that must come out as whole ns (16.667 with _ms is fine);
 * rate_hz takes up to three decimals. Every error stops the parse with
 * "FILE:LINE: message".
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "workload.h"

#define WL_MAX_LINE 1024
#define WL_MAX_WORDS 48
#define WL_MAX_NS 1000000000000000000ULL /* about 31 years */
#define WL_NS_PER_S 1000000000ULL

struct wl_ctx {
    struct workload *wl;
    unsigned int line;
    FILE *err;
    char *word[WL_MAX_WORDS];
    unsigned int nr_words;
};

static int wl_error(struct wl_ctx *x, const char *fmt, ...)
{
    va_list ap;

    if (x->err != NULL) {
        if (x->line != 0) {
            fprintf(x->err, "%s:%u: ", x->wl->file, x->line);
        } else {
            fprintf(x->err, "%s: ", x->wl->file);
        }
        va_start(ap, fmt);
        vfprintf(x->err, fmt, ap);
        va_end(ap);
        fputc('\n', x->err);
    }
    return -1;
}

/* A plain decimal integer <= max. */
static bool wl_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        uint64_t digit = (uint64_t)(*s - '0');

        if (!isdigit((unsigned char)*s) || digit > max ||
            v > (max - digit) / 10) {
            return false;
        }
        v = v * 10 + digit;
    }
    *out = v;
    return true;
}

/* A decimal "I[.F]" times scale, exact and <= WL_MAX_NS. */
static bool wl_fixed(const char *s, uint64_t scale, uint64_t *out)
{
    uint64_t ip = 0;
    uint64_t frac = 0;
    uint64_t div = 1;
    const char *dot = strchr(s, '.');
    char ipart[32];
    size_t n = dot != NULL ? (size_t)(dot - s) : strlen(s);

    if (n == 0 || n >= sizeof(ipart)) {
        return false;
    }
    memcpy(ipart, s, n);
    ipart[n] = '\0';
    if (!wl_uint(ipart, WL_MAX_NS / scale, &ip)) {
        return false;
    }
    if (dot != NULL) {
        if (strlen(dot + 1) > 9 || !wl_uint(dot + 1, WL_NS_PER_S, &frac)) {
            return false;
        }
        for (n = strlen(dot + 1); n > 0; n--) {
            div *= 10;
        }
        /* frac < div <= 1e9 and scale <= 1e9: no overflow. */
        if (frac * scale % div != 0) {
            return false;
        }
        frac = frac * scale / div;
    }
    if (ip * scale > WL_MAX_NS - frac) {
        return false;
    }
    *out = ip * scale + frac;
    return true;
}

/* Is key "<base>_<unit>"? Then *scale is the unit in ns. */
static bool wl_time_key(const char *key, const char *base, uint64_t *scale)
{
    static const struct {
        const char *suffix;
        uint64_t ns;
    } units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", WL_NS_PER_S}};
    size_t n = strlen(base);
    unsigned int i;

    if (strncmp(key, base, n) != 0 || key[n] != '_') {
        return false;
    }
    for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(key + n + 1, units[i].suffix) == 0) {
            *scale = units[i].ns;
            return true;
        }
    }
    return false;
}

static int wl_bad_number(struct wl_ctx *x, const char *key, const char *val)
{
    return wl_error(x, "bad number '%s' for %s", val, key);
}

/* Parses a time value for key (with unit scale) into *out. */
static int wl_time(struct wl_ctx *x, const char *key, const char *val,
                   uint64_t scale, uint64_t *out)
{
    return wl_fixed(val, scale, out) ? 0 : wl_bad_number(x, key, val);
}

/* The statement takes exactly one value: word[1]. */
static int wl_one_value(struct wl_ctx *x)
{
    if (x->nr_words != 2) {
        return wl_error(x, "'%s' takes one value", x->word[0]);
    }
    return 0;
}

/* Global statements with one value: cpus, policy, seed and the times. */
static int wl_global(struct wl_ctx *x, bool *handled)
{
    struct workload *wl = x->wl;
    const char *key = x->word[0];
    const char *val = x->word[1];
    uint64_t v;
    uint64_t scale;
    uint64_t *time = NULL;

    *handled = true;
    if (wl_time_key(key, "duration", &scale)) {
        time = &wl->duration_ns;
    } else if (wl_time_key(key, "switch_cost", &scale)) {
        time = &wl->switch_cost_ns;
    } else if (wl_time_key(key, "put_cost", &scale)) {
        time = &wl->put_cost_ns;
    } else if (wl_time_key(key, "wake_overhead", &scale)) {
        time = &wl->wake_overhead_ns;
    } else if (wl_time_key(key, "wake_jitter", &scale)) {
        time = &wl->wake_jitter_ns;
    } else if (strcmp(key, "cpus") != 0 && strcmp(key, "policy") != 0 &&
               strcmp(key, "seed") != 0) {
        *handled = false;
        return 0;
    }
    if (wl_one_value(x) != 0) {
        return -1;
    }
    if (time != NULL) {
        if (wl_time(x, key, val, scale, time) != 0) {
            return -1;
        }
        if (time == &wl->duration_ns && *time == 0) {
            return wl_error(x, "the duration must be above 0");
        }
    } else if (strcmp(key, "cpus") == 0) {
        if (!wl_uint(val, SCHED_MAX_CPUS, &v) || v == 0) {
            return wl_error(x, "bad number '%s' for cpus (1..%u)", val,
                            SCHED_MAX_CPUS);
        }
        wl->nr_cpus = (unsigned int)v;
    } else if (strcmp(key, "policy") == 0) {
        if (strlen(val) >= sizeof(wl->policy)) {
            return wl_error(x, "policy name '%s' too long", val);
        }
        strcpy(wl->policy, val);
        wl->policy_line = x->line;
    } else if (!wl_uint(val, UINT64_MAX, &wl->seed)) {
        return wl_bad_number(x, key, val);
    }
    return 0;
}

static int wl_param(struct wl_ctx *x)
{
    static const char *const names[] = {"tslice_us", "tick_us", "ratelimit_us",
                                        "rt_share_pct"};
    struct workload *wl = x->wl;
    struct workload_param *p;
    unsigned int i;
    uint64_t v;

    if (x->nr_words != 3) {
        return wl_error(x, "usage: param NAME VALUE");
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(x->word[1], names[i]) == 0) {
            break;
        }
    }
    if (i == sizeof(names) / sizeof(names[0])) {
        return wl_error(x,
                        "unknown param '%s' (tslice_us, tick_us, "
                        "ratelimit_us, rt_share_pct)",
                        x->word[1]);
    }
    if (!wl_uint(x->word[2], UINT32_MAX, &v)) {
        return wl_bad_number(x, x->word[1], x->word[2]);
    }
    if (wl->nr_params == WORKLOAD_MAX_PARAMS) {
        return wl_error(x, "too many param lines");
    }
    p = &wl->params[wl->nr_params++];
    p->name = names[i];
    p->value = (uint32_t)v;
    p->line = x->line;
    return 0;
}

static int wl_find_vm(const struct workload *wl, const char *name)
{
    unsigned int i;

    for (i = 0; i < wl->nr_vms; i++) {
        if (strcmp(wl->vms[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static int wl_vm(struct wl_ctx *x)
{
    struct workload *wl = x->wl;
    struct workload_vm vm = {.line = x->line};
    unsigned int i;
    uint64_t v;
    uint64_t scale;

    if (x->nr_words < 2 || x->nr_words % 2 != 0) {
        return wl_error(x, "usage: vm NAME [KEY VALUE]...");
    }
    if (strlen(x->word[1]) >= sizeof(vm.name)) {
        return wl_error(x, "vm name '%s' too long", x->word[1]);
    }
    if (wl_find_vm(wl, x->word[1]) >= 0) {
        return wl_error(x, "vm '%s' defined twice", x->word[1]);
    }
    if (wl->nr_vms == SIM_MAX_VMS) {
        return wl_error(x, "too many vms (at most %u)", SIM_MAX_VMS);
    }
    strcpy(vm.name, x->word[1]);
    for (i = 2; i < x->nr_words; i += 2) {
        const char *key = x->word[i];
        const char *val = x->word[i + 1];

        if (strcmp(key, "weight") == 0) {
            if (!wl_uint(val, 65535, &v) || v == 0) {
                return wl_error(x, "bad number '%s' for weight (1..65535)",
                                val);
            }
            vm.weight = (unsigned int)v;
        } else if (strcmp(key, "cap") == 0) {
            if (!wl_uint(val, 100, &v)) {
                return wl_error(x, "bad number '%s' for cap (0..100)", val);
            }
            vm.cap_pct = (unsigned int)v;
        } else if (wl_time_key(key, "rt_period", &scale)) {
            if (wl_time(x, key, val, scale, &vm.rt_period_ns) != 0) {
                return -1;
            }
        } else if (wl_time_key(key, "rt_budget", &scale)) {
            if (wl_time(x, key, val, scale, &vm.rt_budget_ns) != 0) {
                return -1;
            }
        } else {
            return wl_error(x,
                            "unknown vm option '%s' (weight, cap, "
                            "rt_period_<u>, rt_budget_<u>)",
                            key);
        }
    }
    if ((vm.rt_period_ns == 0) != (vm.rt_budget_ns == 0)) {
        return wl_error(x, "a reservation needs rt_period and rt_budget, "
                           "both above 0");
    }
    if (vm.rt_budget_ns > vm.rt_period_ns) {
        return wl_error(x, "rt_budget exceeds rt_period");
    }
    wl->vms[wl->nr_vms++] = vm;
    return 0;
}

/* vcpu options, as bits of what a line gave and what a kind allows. */
enum {
    WL_OPT_CPU = 1 << 0,
    WL_OPT_PERIOD = 1 << 1,
    WL_OPT_PHASE = 1 << 2,
    WL_OPT_WORK = 1 << 3,
    WL_OPT_RUN = 1 << 4,
    WL_OPT_BLOCK = 1 << 5,
    WL_OPT_DIST = 1 << 6,
    WL_OPT_RATE = 1 << 7,
    WL_OPT_HANDLER = 1 << 8,
    WL_OPT_CPUS = 1 << 9,
    WL_NR_OPTS = 9,
};

static const struct {
    const char *name;
    unsigned int allowed;
    unsigned int required;
} wl_kinds[] = {
    [SIM_HOG] = {"hog", WL_OPT_CPU | WL_OPT_CPUS, 0},
    [SIM_PERIODIC] = {"periodic",
                      WL_OPT_CPU | WL_OPT_CPUS | WL_OPT_PERIOD | WL_OPT_PHASE |
                          WL_OPT_WORK,
                      WL_OPT_PERIOD | WL_OPT_WORK},
    [SIM_IO] = {"io",
                WL_OPT_CPU | WL_OPT_CPUS | WL_OPT_RUN | WL_OPT_BLOCK |
                    WL_OPT_DIST,
                WL_OPT_RUN | WL_OPT_BLOCK},
    [SIM_IRQ] = {"irq", WL_OPT_CPU | WL_OPT_CPUS | WL_OPT_RATE | WL_OPT_HANDLER,
                 WL_OPT_RATE | WL_OPT_HANDLER},
};

#define WL_NR_KINDS (sizeof(wl_kinds) / sizeof(wl_kinds[0]))

/* One vcpu option KEY VAL into v; *opt gets its bit. */
/* A `cpus` list: CPU numbers separated by commas, as a mask. */
static int wl_cpu_list(struct wl_ctx *x, const char *key, const char *val,
                       uint32_t *mask)
{
    char num[4];
    const char *p = val;

    *mask = 0;
    for (;;) {
        size_t len = strcspn(p, ",");
        uint64_t n;

        if (len == 0 || len >= sizeof(num)) {
            return wl_bad_number(x, key, val);
        }
        memcpy(num, p, len);
        num[len] = '\0';
        if (!wl_uint(num, SCHED_MAX_CPUS - 1, &n)) {
            return wl_bad_number(x, key, val);
        }
        *mask |= 1U << n;
        if (p[len] == '\0') {
            return 0;
        }
        p += len + 1;
    }
}

static int wl_vcpu_option(struct wl_ctx *x, const char *key, const char *val,
                          struct workload_vcpu *v, unsigned int *opt)
{
    static const struct {
        const char *base;
        unsigned int opt;
        size_t offset;
    } times[] = {
        {"period", WL_OPT_PERIOD, offsetof(struct sim_task, period_ns)},
        {"phase", WL_OPT_PHASE, offsetof(struct sim_task, phase_ns)},
        {"work", WL_OPT_WORK, offsetof(struct sim_task, work_ns)},
        {"handler", WL_OPT_HANDLER, offsetof(struct sim_task, work_ns)},
        {"run", WL_OPT_RUN, offsetof(struct sim_task, run_ns)},
        {"block", WL_OPT_BLOCK, offsetof(struct sim_task, block_ns)},
    };
    uint64_t scale;
    uint64_t n;
    unsigned int i;

    for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        if (wl_time_key(key, times[i].base, &scale)) {
            *opt = times[i].opt;
            return wl_time(x, key, val, scale,
                           (uint64_t *)((char *)&v->task + times[i].offset));
        }
    }
    if (strcmp(key, "cpu") == 0) {
        *opt = WL_OPT_CPU;
        if (!wl_uint(val, SCHED_MAX_CPUS - 1, &n)) {
            return wl_bad_number(x, key, val);
        }
        v->cpu = (unsigned int)n;
    } else if (strcmp(key, "cpus") == 0) {
        *opt = WL_OPT_CPUS;
        return wl_cpu_list(x, key, val, &v->affinity);
    } else if (strcmp(key, "dist") == 0) {
        *opt = WL_OPT_DIST;
        if (strcmp(val, "exp") != 0 && strcmp(val, "fixed") != 0) {
            return wl_error(x, "dist is 'fixed' or 'exp', not '%s'", val);
        }
        v->task.block_exp = strcmp(val, "exp") == 0;
    } else if (strcmp(key, "rate_hz") == 0) {
        *opt = WL_OPT_RATE;
        /* In mHz; the mean gap is 1e12 / mHz ns. */
        if (!wl_fixed(val, 1000, &n) || n == 0) {
            return wl_bad_number(x, key, val);
        }
        v->task.gap_ns = 1000000000000ULL / n > 0 ? 1000000000000ULL / n : 1;
    } else {
        return wl_error(x, "unknown vcpu option '%s'", key);
    }
    return 0;
}

static int wl_kind_of(const char *word)
{
    unsigned int k;

    for (k = 0; k < WL_NR_KINDS; k++) {
        if (strcmp(word, wl_kinds[k].name) == 0) {
            return (int)k;
        }
    }
    return -1;
}

static int wl_vcpu(struct wl_ctx *x)
{
    struct workload *wl = x->wl;
    struct workload_vcpu v = {.line = x->line};
    const char *key_of[WL_NR_OPTS] = {NULL};
    unsigned int given = 0;
    unsigned int opt = 0;
    unsigned int bit;
    unsigned int i = 2;
    int kind = -1;
    int vm;

    if (x->nr_words < 3) {
        return wl_error(x, "usage: vcpu VM [cpu N] KIND [KEY VALUE]...");
    }
    vm = wl_find_vm(wl, x->word[1]);
    if (vm < 0) {
        return wl_error(x, "vcpu of unknown vm '%s' (define it first)",
                        x->word[1]);
    }
    if (wl->nr_vcpus == SIM_MAX_VCPUS) {
        return wl_error(x, "too many vcpus (at most %u)", SIM_MAX_VCPUS);
    }
    v.vm = (unsigned int)vm;
    while (i < x->nr_words) {
        const char *key = x->word[i];

        if (wl_kind_of(key) >= 0) {
            if (kind >= 0) {
                return wl_error(x, "two kinds ('%s' and '%s')",
                                wl_kinds[kind].name, key);
            }
            kind = wl_kind_of(key);
            i++;
            continue;
        }
        if (i + 1 == x->nr_words) {
            return wl_error(x, "'%s' needs a value", key);
        }
        if (wl_vcpu_option(x, key, x->word[i + 1], &v, &opt) != 0) {
            return -1;
        }
        if (given & opt) {
            return wl_error(x, "'%s' given twice", key);
        }
        given |= opt;
        for (bit = 0; bit < WL_NR_OPTS; bit++) {
            if (opt == 1U << bit) {
                key_of[bit] = key;
            }
        }
        i += 2;
    }
    if (kind < 0) {
        return wl_error(x, "vcpu needs a kind: hog, periodic, io or irq");
    }
    v.task.kind = (enum sim_kind)kind;
    for (bit = 0; bit < WL_NR_OPTS; bit++) {
        if ((given & ~wl_kinds[kind].allowed) & (1U << bit)) {
            return wl_error(x, "'%s' does not apply to a %s vcpu", key_of[bit],
                            wl_kinds[kind].name);
        }
    }
    if ((given & wl_kinds[kind].required) != wl_kinds[kind].required) {
        return wl_error(x, "a %s vcpu needs %s", wl_kinds[kind].name,
                        kind == SIM_PERIODIC ? "period_<u> and work_<u>"
                        : kind == SIM_IO     ? "run_<u> and block_<u>"
                                             : "rate_hz and handler_<u>");
    }
    if (!sim_task_valid(&v.task)) {
        return wl_error(x, "the times of a %s vcpu must be above 0",
                        wl_kinds[kind].name);
    }
    wl->vcpus[wl->nr_vcpus++] = v;
    return 0;
}

/* Splits line into x->word; drops the comment. -1 when too many. */
static int wl_split(struct wl_ctx *x, char *line)
{
    char *hash = strchr(line, '#');
    char *p = line;

    if (hash != NULL) {
        *hash = '\0';
    }
    x->nr_words = 0;
    for (;;) {
        while (isspace((unsigned char)*p)) {
            p++;
        }
        if (*p == '\0') {
            return 0;
        }
        if (x->nr_words == WL_MAX_WORDS) {
            return wl_error(x, "too many words");
        }
        x->word[x->nr_words++] = p;
        while (*p != '\0' && !isspace((unsigned char)*p)) {
            p++;
        }
        if (*p != '\0') {
            *p++ = '\0';
        }
    }
}

static int wl_statement(struct wl_ctx *x)
{
    bool handled;

    if (strcmp(x->word[0], "param") == 0) {
        return wl_param(x);
    }
    if (strcmp(x->word[0], "vm") == 0) {
        return wl_vm(x);
    }
    if (strcmp(x->word[0], "vcpu") == 0) {
        return wl_vcpu(x);
    }
    if (wl_global(x, &handled) != 0) {
        return -1;
    }
    if (!handled) {
        return wl_error(x, "unknown keyword '%s'", x->word[0]);
    }
    return 0;
}

/* Checks what needs the whole file: vCPU CPUs against `cpus`. */
static int wl_check(struct wl_ctx *x)
{
    struct workload *wl = x->wl;
    unsigned int i;

    for (i = 0; i < wl->nr_vcpus; i++) {
        if (wl->vcpus[i].cpu >= wl->nr_cpus) {
            x->line = wl->vcpus[i].line;
            return wl_error(x, "cpu %u, but the workload has %u cpu(s)",
                            wl->vcpus[i].cpu, wl->nr_cpus);
        }
        if (wl->vcpus[i].affinity != 0 &&
            ((wl->vcpus[i].affinity >> wl->nr_cpus) != 0 ||
             (wl->vcpus[i].affinity >> wl->vcpus[i].cpu & 1) == 0)) {
            x->line = wl->vcpus[i].line;
            return wl_error(x, "cpus must name cpu %u and only cpus below %u",
                            wl->vcpus[i].cpu, wl->nr_cpus);
        }
    }
    if (wl->nr_vcpus == 0) {
        x->line = 0;
        return wl_error(x, "no vcpu lines");
    }
    return 0;
}

int workload_parse(struct workload *wl, FILE *in, const char *name, FILE *err)
{
    struct wl_ctx x = {.wl = wl, .err = err};
    char buf[WL_MAX_LINE];

    memset(wl, 0, sizeof(*wl));
    snprintf(wl->file, sizeof(wl->file), "%s", name);
    strcpy(wl->policy, "credit");
    wl->nr_cpus = 1;
    wl->duration_ns = 10 * WL_NS_PER_S;
    wl->seed = 1;
    while (fgets(buf, sizeof(buf), in) != NULL) {
        size_t n = strlen(buf);

        x.line++;
        if (n > 0 && buf[n - 1] != '\n' && !feof(in)) {
            return wl_error(&x, "line longer than %d characters",
                            WL_MAX_LINE - 2);
        }
        if (wl_split(&x, buf) != 0) {
            return -1;
        }
        if (x.nr_words > 0 && wl_statement(&x) != 0) {
            return -1;
        }
    }
    if (ferror(in)) {
        return wl_error(&x, "read error");
    }
    return wl_check(&x);
}

int workload_load(struct workload *wl, const char *path, FILE *err)
{
    FILE *f = fopen(path, "r");
    int rc;

    if (f == NULL) {
        if (err != NULL) {
            fprintf(err, "%s: %s\n", path, strerror(errno));
        }
        return -1;
    }
    rc = workload_parse(wl, f, path, err);
    fclose(f);
    return rc;
}
