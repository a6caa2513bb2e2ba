package runtime

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"proc/runtime/mem"
)

// Config holds every tunable of the machine (the config keys). The zero value
// is not useful: start from DefaultConfig. A key whose value is one of a
// few names (sched, heap_policy) is kept parsed: Set and SetString parse
// it, Get gives back its name.
type Config struct {
	Sched   SchedPolicy
	Quantum int64
	Seed    int64
	// PyRNG is the rng key: false for "default" (splitmix64), true for
	// "python" (Python's Mersenne Twister, drawing as lottery.py does).
	PyRNG             bool
	CostInsn          int64
	CostSpawn         int64
	CostFork          int64
	CostThread        int64
	CostSwitchProcess int64
	CostSwitchThread  int64
	CostCopy          int64
	HeapPolicy        mem.Policy
	HeapAlign         int64
	HeapHeader        int64
	HeapCoalesce      bool
	HeapSize          int64
	HeapGrow          bool
	HeapMax           int64
	StackSize         int64
	PipeCap           int64
	MQCap             int64
	NetLatency        int64
	MLFQLevels        int64
	MLFQBoost         int64
	MaxSteps          int64
	MaxProcs          int64
	MaxThreads        int64
	MaxOutput         int64
	MaxTicks          int64
	MaxSlices         int64
	MaxTrace          int64
	MaxMemory         int64
	MaxCopy           int64
	// The memory hardware (hw.go): a TLB and a data cache per CPU.
	TLBEntries    int64
	TLBMissCost   int64
	ASID          bool
	CacheLines    int64
	CacheMissCost int64
	// The textbook simulators' settings (process-run, fork, mlfq).
	Multiprogramming bool
	WakePreempts     bool
	ReparentParent   bool
	MLFQQuanta       string // a quantum per level, top first ("10,20,40"); "": quantum << level
	MLFQAllotment    int64  // quanta a thread may use at a level
	MLFQIOReset      bool
	MLFQIOBump       bool
	// CPUs is the number of processors; PerCPU the sched_queues key:
	// false for "global" (one ready queue every CPU takes from), true for
	// "percpu" (a queue per CPU, with affinity and stealing; cpus.go).
	CPUs   int64
	PerCPU bool
	// Balance is how per-CPU queues share the load (cpus.go):
	// BalanceIdle, BalancePeek (every PeekInterval ticks) or BalanceNone.
	Balance      Balance
	PeekInterval int64
	// Periodic is the timer key: false for "oneshot" (a quantum counts
	// from the dispatch), true for "periodic" (every quantum ticks of
	// the clock, on every CPU at once).
	Periodic bool
	// The working-set cache (warm.go): a CPU's cache of WarmCache units
	// holds the working sets of the threads that ran WarmTime ticks on
	// it, and their computing goes WarmRate times as fast there. 0 is off.
	WarmCache int64
	WarmTime  int64
	WarmRate  int64
	// ReadyTID is the ready_order key: false for "queue" (ties go to
	// the thread that became ready first), true for "tid" (to the first
	// after the thread that ran last in tid order, round: process-run's
	// scan of its pids).
	ReadyTID bool
}

// DefaultConfig returns the default of every config key.
//
// The TLB and the data cache are on (hw.go): the machine a script meets
// first is the one whose switches cost what real ones do. cost_switch_*
// is only the direct cost of a switch, saving and restoring registers (2
// ticks between processes, 1 between threads); what a switch between
// processes costs on top of that, the translations flushed and the lines
// evicted, comes from the misses after it. tlb_entries = 0 and
// cache_lines = 0 switch the hardware off.
func DefaultConfig() Config {
	return Config{
		Sched: SchedRR, Quantum: 4, Seed: 0, CostInsn: 1, CostSpawn: 20, CostFork: 20,
		CostThread: 2, CostSwitchProcess: 2, CostSwitchThread: 1, CostCopy: 1,
		HeapPolicy: mem.FirstFit, HeapAlign: 16, HeapHeader: 16, HeapCoalesce: true,
		HeapSize: 4096, HeapGrow: true, HeapMax: 1048576, StackSize: 65536,
		PipeCap: 4096, MQCap: 10, NetLatency: 5, MLFQLevels: 3, MLFQBoost: 100,
		MaxSteps: 10000000, MaxProcs: 256, MaxThreads: 1024, MaxOutput: 1048576,
		MaxTicks: 1000000000000, MaxSlices: 1000000, MaxTrace: 16 << 20, MaxMemory: 64 << 20, MaxCopy: 256 << 20,
		TLBEntries: 64, TLBMissCost: 1, ASID: false, CacheLines: 512, CacheMissCost: 1,
		Multiprogramming: true, MLFQAllotment: 1, CPUs: 1, PeekInterval: 30, WarmTime: 10, WarmRate: 2,
	}
}

// configKey describes one key: its kind, where it lives, and its bounds.
type configKey struct {
	kind string // "int", "bool", "string"
	int  func(c *Config) *int64
	bool func(c *Config) *bool
	// name and parse read and set a string key, which the Config keeps
	// parsed: parse reports false for a value not among values.
	name   func(c *Config) string
	parse  func(c *Config, v string) bool
	min    int64
	max    int64
	values []string // allowed strings
	want   string   // what a string key without values takes, in words
	// limit marks a bound on what a run may use: a script's own settings
	// (its config lines, its header) may lower it but never raise it.
	limit bool
}

const maxConfigInt = 1 << 40

var configKeys = map[string]configKey{
	"sched":               {kind: "string", name: func(c *Config) string { return c.Sched.String() }, parse: parseSched, values: schedNames[:]},
	"quantum":             {kind: "int", int: func(c *Config) *int64 { return &c.Quantum }, min: 1, max: maxConfigInt},
	"seed":                {kind: "int", int: func(c *Config) *int64 { return &c.Seed }, min: -1 << 63, max: 1<<63 - 1},
	"rng":                 {kind: "string", name: func(c *Config) string { return rngName(c.PyRNG) }, parse: parseRNG, values: []string{"default", "python"}},
	"cost_insn":           {kind: "int", int: func(c *Config) *int64 { return &c.CostInsn }, min: 0, max: 1 << 20},
	"cost_spawn":          {kind: "int", int: func(c *Config) *int64 { return &c.CostSpawn }, min: 0, max: 1 << 30},
	"cost_fork":           {kind: "int", int: func(c *Config) *int64 { return &c.CostFork }, min: 0, max: 1 << 30},
	"cost_thread":         {kind: "int", int: func(c *Config) *int64 { return &c.CostThread }, min: 0, max: 1 << 30},
	"cost_switch_process": {kind: "int", int: func(c *Config) *int64 { return &c.CostSwitchProcess }, min: 0, max: 1 << 30},
	"cost_switch_thread":  {kind: "int", int: func(c *Config) *int64 { return &c.CostSwitchThread }, min: 0, max: 1 << 30},
	"cost_copy":           {kind: "int", int: func(c *Config) *int64 { return &c.CostCopy }, min: 0, max: 1 << 30},
	"heap_policy":         {kind: "string", name: func(c *Config) string { return c.HeapPolicy.String() }, parse: parseHeapPolicy, values: mem.PolicyNames()},
	"heap_align":          {kind: "int", int: func(c *Config) *int64 { return &c.HeapAlign }, min: 1, max: 4096},
	"heap_header":         {kind: "int", int: func(c *Config) *int64 { return &c.HeapHeader }, min: 0, max: 4096},
	"heap_coalesce":       {kind: "bool", bool: func(c *Config) *bool { return &c.HeapCoalesce }},
	"heap_size":           {kind: "int", int: func(c *Config) *int64 { return &c.HeapSize }, min: 0, max: 1 << 30},
	"heap_grow":           {kind: "bool", bool: func(c *Config) *bool { return &c.HeapGrow }},
	"heap_max":            {kind: "int", int: func(c *Config) *int64 { return &c.HeapMax }, min: 0, max: 1 << 30, limit: true},
	"stack_size":          {kind: "int", int: func(c *Config) *int64 { return &c.StackSize }, min: 4096, max: 1 << 26, limit: true},
	"pipe_cap":            {kind: "int", int: func(c *Config) *int64 { return &c.PipeCap }, min: 1, max: 1 << 24},
	"mq_cap":              {kind: "int", int: func(c *Config) *int64 { return &c.MQCap }, min: 1, max: 1 << 20},
	"net_latency":         {kind: "int", int: func(c *Config) *int64 { return &c.NetLatency }, min: 0, max: 1 << 30},
	"mlfq_levels":         {kind: "int", int: func(c *Config) *int64 { return &c.MLFQLevels }, min: 1, max: 64},
	"mlfq_boost":          {kind: "int", int: func(c *Config) *int64 { return &c.MLFQBoost }, min: 0, max: maxConfigInt},
	"max_steps":           {kind: "int", int: func(c *Config) *int64 { return &c.MaxSteps }, min: 1, max: 1 << 40, limit: true},
	"max_procs":           {kind: "int", int: func(c *Config) *int64 { return &c.MaxProcs }, min: 1, max: 1 << 20, limit: true},
	"max_threads":         {kind: "int", int: func(c *Config) *int64 { return &c.MaxThreads }, min: 1, max: 1 << 22, limit: true},
	"max_output":          {kind: "int", int: func(c *Config) *int64 { return &c.MaxOutput }, min: 0, max: 1 << 34, limit: true},
	"max_ticks":           {kind: "int", int: func(c *Config) *int64 { return &c.MaxTicks }, min: 1, max: 1 << 62, limit: true},
	"max_slices":          {kind: "int", int: func(c *Config) *int64 { return &c.MaxSlices }, min: 1, max: 1 << 40, limit: true},
	"max_trace":           {kind: "int", int: func(c *Config) *int64 { return &c.MaxTrace }, min: 0, max: 1 << 40, limit: true},
	"max_memory":          {kind: "int", int: func(c *Config) *int64 { return &c.MaxMemory }, min: 0, max: 1 << 40, limit: true},
	"max_copy":            {kind: "int", int: func(c *Config) *int64 { return &c.MaxCopy }, min: 0, max: 1 << 40, limit: true},
	"tlb_entries":         {kind: "int", int: func(c *Config) *int64 { return &c.TLBEntries }, min: 0, max: 4096},
	"tlb_miss_cost":       {kind: "int", int: func(c *Config) *int64 { return &c.TLBMissCost }, min: 0, max: 1 << 20},
	"asid":                {kind: "string", name: func(c *Config) string { return onOff(c.ASID) }, parse: func(c *Config, v string) bool { c.ASID = v == "on"; return v == "on" || v == "off" }, values: []string{"on", "off"}},
	"cache_lines":         {kind: "int", int: func(c *Config) *int64 { return &c.CacheLines }, min: 0, max: 1 << 16},
	"cache_miss_cost":     {kind: "int", int: func(c *Config) *int64 { return &c.CacheMissCost }, min: 0, max: 1 << 20},
	"cpus":                {kind: "int", int: func(c *Config) *int64 { return &c.CPUs }, min: 1, max: MaxCPUs},
	"sched_queues":        {kind: "string", name: func(c *Config) string { return queuesName(c.PerCPU) }, parse: parseQueues, values: []string{"global", "percpu"}},
	"balance":             {kind: "string", name: func(c *Config) string { return c.Balance.String() }, parse: parseBalance, values: balanceNames[:]},
	"peek_interval":       {kind: "int", int: func(c *Config) *int64 { return &c.PeekInterval }, min: 1, max: maxConfigInt},
	"timer":               {kind: "string", name: func(c *Config) string { return timerName(c.Periodic) }, parse: parseTimer, values: []string{"oneshot", "periodic"}},
	"warm_cache":          {kind: "int", int: func(c *Config) *int64 { return &c.WarmCache }, min: 0, max: maxConfigInt},
	"warm_time":           {kind: "int", int: func(c *Config) *int64 { return &c.WarmTime }, min: 0, max: maxConfigInt},
	"warm_rate":           {kind: "int", int: func(c *Config) *int64 { return &c.WarmRate }, min: 1, max: 1 << 20},
	"multiprogramming":    {kind: "bool", bool: func(c *Config) *bool { return &c.Multiprogramming }},
	"wake_preempts":       {kind: "bool", bool: func(c *Config) *bool { return &c.WakePreempts }},
	"ready_order":         {kind: "string", name: readyOrderName, parse: parseReadyOrder, values: []string{"queue", "tid"}},
	"reparent": {kind: "string", name: func(c *Config) string {
		if c.ReparentParent {
			return "parent"
		}
		return "init"
	}, parse: func(c *Config, v string) bool { c.ReparentParent = v == "parent"; return v == "parent" || v == "init" }, values: []string{"init", "parent"}},
	"mlfq_quanta": {kind: "string", name: func(c *Config) string { return c.MLFQQuanta }, parse: parseQuanta,
		want: `a comma list of quanta in ticks, one a level, the top level first ("10,20,40"), or "" for quantum doubled at each level`},
	"mlfq_allotment": {kind: "int", int: func(c *Config) *int64 { return &c.MLFQAllotment }, min: 1, max: 1 << 20},
	"mlfq_io_reset":  {kind: "bool", bool: func(c *Config) *bool { return &c.MLFQIOReset }},
	"mlfq_io_bump":   {kind: "bool", bool: func(c *Config) *bool { return &c.MLFQIOBump }},
}

// ParseQuanta reads a value of mlfq_quanta: a comma list of 1 to 64
// quanta, each from 1 to 2^40 ticks; "" (the default) gives nil.
func ParseQuanta(v string) ([]int64, bool) {
	if v == "" {
		return nil, true
	}
	parts := strings.Split(v, ",")
	if len(parts) > 64 {
		return nil, false
	}
	q := make([]int64, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || n < 1 || n > maxConfigInt {
			return nil, false
		}
		q[i] = n
	}
	return q, true
}

// parseQuanta sets mlfq_quanta, written the one way Get gives back.
func parseQuanta(c *Config, v string) bool {
	q, ok := ParseQuanta(v)
	if !ok {
		return false
	}
	parts := make([]string, len(q))
	for i, n := range q {
		parts[i] = strconv.FormatInt(n, 10)
	}
	c.MLFQQuanta = strings.Join(parts, ",")
	return true
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func rngName(python bool) string {
	if python {
		return "python"
	}
	return "default"
}

func parseRNG(c *Config, v string) bool {
	switch v {
	case "default", "python":
		c.PyRNG = v == "python"
		return true
	}
	return false
}

func queuesName(percpu bool) string {
	if percpu {
		return "percpu"
	}
	return "global"
}

func parseQueues(c *Config, v string) bool {
	switch v {
	case "global", "percpu":
		c.PerCPU = v == "percpu"
		return true
	}
	return false
}

// Balance is the balance key: how per-CPU queues share the load.
type Balance uint8

// The ways of balancing per-CPU queues, in the order the key lists them.
const (
	// BalanceIdle: a new thread joins the CPU with the fewest threads; a
	// CPU with nothing to run steals at once the last thread of the
	// longest queue.
	BalanceIdle Balance = iota
	// BalancePeek: a new thread joins the shortest queue it may run on;
	// every peek_interval ticks each CPU whose queue is empty looks into
	// the queue of one other CPU, chosen at random, and takes its first
	// thread that has no affinity (OSTEP's multi.py).
	BalancePeek
	// BalanceNone: a new thread joins the shortest queue; no stealing.
	BalanceNone
)

var balanceNames = [...]string{BalanceIdle: "idle", BalancePeek: "peek", BalanceNone: "none"}

func (b Balance) String() string {
	if int(b) < len(balanceNames) {
		return balanceNames[b]
	}
	return "balance(" + strconv.Itoa(int(b)) + ")"
}

func parseBalance(c *Config, v string) bool {
	for i, n := range balanceNames {
		if v == n {
			c.Balance = Balance(i)
			return true
		}
	}
	return false
}

func timerName(periodic bool) string {
	if periodic {
		return "periodic"
	}
	return "oneshot"
}

func parseTimer(c *Config, v string) bool {
	switch v {
	case "oneshot", "periodic":
		c.Periodic = v == "periodic"
		return true
	}
	return false
}

func readyOrderName(c *Config) string {
	if c.ReadyTID {
		return "tid"
	}
	return "queue"
}

func parseReadyOrder(c *Config, v string) bool {
	switch v {
	case "queue", "tid":
		c.ReadyTID = v == "tid"
		return true
	}
	return false
}

func parseSched(c *Config, v string) bool {
	p, ok := ParseSchedPolicy(v)
	if ok {
		c.Sched = p
	}
	return ok
}

func parseHeapPolicy(c *Config, v string) bool {
	p, ok := mem.ParsePolicy(v)
	if ok {
		c.HeapPolicy = p
	}
	return ok
}

// ConfigKeys returns every config key, sorted.
func ConfigKeys() []string {
	keys := make([]string, 0, len(configKeys))
	for k := range configKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// IsLimit reports whether key bounds what a run may use (steps, time,
// output, memory, processes...). A script's own settings may lower a limit
// but never raise it: only the person running proc can.
func IsLimit(key string) bool { return configKeys[key].limit }

// LimitKeys returns the limit keys, sorted.
func LimitKeys() []string {
	var keys []string
	for _, k := range ConfigKeys() {
		if configKeys[k].limit {
			keys = append(keys, k)
		}
	}
	return keys
}

// CheckLimit returns an error when key is a limit and v is above its value
// in ceil, the most the command line allows.
func CheckLimit(key string, v int64, ceil *Config) error {
	k, ok := configKeys[key]
	if !ok || !k.limit || k.kind != "int" {
		return nil
	}
	if top := *k.int(ceil); v > top {
		return fmt.Errorf("%s = %d raises a limit: a script may lower %s but not raise it above %d (only --set %s=%d on the command line can, or :set in the REPL)", key, v, key, top, key, v)
	}
	return nil
}

// Lift sets an int key to the highest value it can take.
func (c *Config) Lift(key string) {
	if k, ok := configKeys[key]; ok && k.kind == "int" {
		*k.int(c) = k.max
	}
}

// Int returns the value of an int key.
func (c *Config) Int(key string) (int64, bool) {
	k, ok := configKeys[key]
	if !ok || k.kind != "int" {
		return 0, false
	}
	return *k.int(c), true
}

// ConfigKind returns the kind of value a key takes ("int", "bool",
// "string"), or "" for an unknown key.
func ConfigKind(key string) string { return configKeys[key].kind }

// SetInt sets an int key.
func (c *Config) SetInt(key string, v int64) error {
	k, ok := configKeys[key]
	if !ok {
		return unknownKey(key)
	}
	if k.kind != "int" {
		return fmt.Errorf("config key %s takes a %s, not an int", key, k.kind)
	}
	if v < k.min || v > k.max {
		return fmt.Errorf("config key %s must be between %d and %d, not %d", key, k.min, k.max, v)
	}
	*k.int(c) = v
	return nil
}

// SetBool sets a bool key.
func (c *Config) SetBool(key string, v bool) error {
	k, ok := configKeys[key]
	if !ok {
		return unknownKey(key)
	}
	if k.kind != "bool" {
		return fmt.Errorf("config key %s takes a%s %s, not a bool", key, article(k.kind), k.kind)
	}
	*k.bool(c) = v
	return nil
}

// SetString sets a string key.
func (c *Config) SetString(key string, v string) error {
	k, ok := configKeys[key]
	if !ok {
		return unknownKey(key)
	}
	if k.kind != "string" {
		return fmt.Errorf("config key %s takes a%s %s, not a string", key, article(k.kind), k.kind)
	}
	if k.parse(c, v) {
		return nil
	}
	if k.want != "" {
		return fmt.Errorf("config key %s takes %s, not %q", key, k.want, v)
	}
	return fmt.Errorf("config key %s must be one of %s, not %q", key, strings.Join(k.values, ", "), v)
}

// Set parses a KEY=VALUE text value (from --set) by the key's kind. A string
// value may be written bare or in double quotes.
func (c *Config) Set(key, value string) error {
	k, ok := configKeys[key]
	if !ok {
		return unknownKey(key)
	}
	switch k.kind {
	case "int":
		s := strings.ReplaceAll(value, "_", "")
		n, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return fmt.Errorf("config key %s takes an int, not %q", key, value)
		}
		return c.SetInt(key, n)
	case "bool":
		switch value {
		case "true":
			return c.SetBool(key, true)
		case "false":
			return c.SetBool(key, false)
		}
		return fmt.Errorf("config key %s takes a bool (true or false), not %q", key, value)
	default:
		if uq, err := strconv.Unquote(value); err == nil && strings.HasPrefix(value, `"`) {
			value = uq
		}
		return c.SetString(key, value)
	}
}

// Get returns the key's current value as text (strings quoted).
func (c *Config) Get(key string) (string, bool) {
	k, ok := configKeys[key]
	if !ok {
		return "", false
	}
	switch k.kind {
	case "int":
		return strconv.FormatInt(*k.int(c), 10), true
	case "bool":
		return strconv.FormatBool(*k.bool(c)), true
	default:
		return strconv.Quote(k.name(c)), true
	}
}

func article(kind string) string {
	if kind == "int" {
		return "n"
	}
	return ""
}

func unknownKey(key string) error {
	// Suggest the closest key: a typo is the usual cause.
	best, bestD := "", 4
	for k := range configKeys {
		if d := EditDistance(k, key); d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Errorf("unknown config key %q (did you mean %s?)", key, best)
	}
	return fmt.Errorf("unknown config key %q", key)
}

// EditDistance is the Levenshtein distance between a and b: how many
// insertions, deletions and substitutions of a byte turn one into the
// other. It says how close a misspelt name is to a known one, for the
// suggestions that follow an unknown config key here and an undefined name
// in the compiler.
func EditDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
