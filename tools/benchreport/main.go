// Command benchreport writes docs/BENCHMARKS.md from the output of the
// benchmarks that scripts/bench.sh runs (`go test -bench` text, any number of
// files): the machine, the command, the date, and each figure of issue 7 in a
// table with the bound it is compared with and whether its target is met.
//
//	go run ./tools/benchreport -o docs/BENCHMARKS.md [-load-before "0.12 0.30 0.41"] results.txt...
//
// The benchmarks report their bounds as metrics, so nothing here recomputes
// them; the targets are the constants below. A figure whose benchmark did not
// run is written as missing, and benchreport exits with status 1.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// The targets of issue 7.
const (
	// wallTarget is how far above the round-trip bound a large account's
	// listing may take.
	wallTarget = 1.15
	// bytesTarget is the most, in percent of the everything listing, that
	// the sparse listing may weigh.
	bytesTarget = 10.0
	// tokensTarget is how many tokens one full listing may sign.
	tokensTarget = 1
	// inFlightTarget is the most requests one key may have in flight.
	inFlightTarget = 4
	// frameBudget is one frame at 60 Hz: the issue sets no number for the
	// table, so its timings are shown against it for reference.
	frameBudget = 1000.0 / 60
)

// result is one benchmark's line: its metrics by unit.
type result map[string]float64

// results are the benchmark lines read, by name without the -GOMAXPROCS
// suffix, and the cpu line Go printed.
type results struct {
	byName  map[string]result
	cpuLine string
	missing []string
}

func parse(r io.Reader, into *results) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
			into.cpuLine = strings.TrimSpace(cpu)
			continue
		}
		if !strings.HasPrefix(line, "Benchmark") {
			continue
		}
		f := strings.Fields(line)
		// Name, iterations, then value-unit pairs.
		if len(f) < 4 || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		res := result{"iterations": mustFloat(f[1])}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return fmt.Errorf("%q: %v", line, err)
			}
			res[f[i+1]] = v
		}
		into.byName[name] = res
	}
	return sc.Err()
}

func mustFloat(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}

// get returns a metric, recording what is missing.
func (rs *results) get(name, unit string) (float64, bool) {
	r, ok := rs.byName[name]
	if !ok {
		rs.miss(name)
		return 0, false
	}
	v, ok := r[unit]
	if !ok {
		rs.miss(name + " " + unit)
	}
	return v, ok
}

func (rs *results) has(name string) bool {
	_, ok := rs.byName[name]
	if !ok {
		rs.miss(name)
	}
	return ok
}

func (rs *results) miss(what string) {
	for _, m := range rs.missing {
		if m == what {
			return
		}
	}
	rs.missing = append(rs.missing, what)
}

// v is a metric for a table cell; a missing one reads "missing".
func (rs *results) v(name, unit string, format func(float64) string) string {
	x, ok := rs.get(name, unit)
	if !ok {
		return "missing"
	}
	return format(x)
}

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func intf(x float64) string { return group(int64(math.Round(x))) }

// group writes n with thin thousands separators: 13,214,189.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func msf(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f ms", x)
	case x >= 10:
		return fmt.Sprintf("%.1f ms", x)
	}
	return fmt.Sprintf("%.2f ms", x)
}

func nsAsMs(x float64) string { return msf(x / 1e6) }

func ratio(x float64) string { return fmt.Sprintf("%.3f×", x) }

func pct(x float64) string { return fmt.Sprintf("%.1f %%", x) }

func mib(x float64) string { return fmt.Sprintf("%.1f MiB", x/(1<<20)) }

func kibAsMiB(x float64) string { return fmt.Sprintf("%.0f MiB", x/1024) }

func bytesf(x float64) string {
	if x >= 1<<20 {
		return fmt.Sprintf("%s (%s)", intf(x), mib(x))
	}
	return intf(x)
}

// machine describes the computer the benchmarks ran on.
func machine(cpuLine, loadBefore string) []string {
	model := firstField("/proc/cpuinfo", "model name", ":")
	if cpuLine != "" && cpuLine != model {
		if model != "" {
			model += " (Go reads the CPU as " + cpuLine + ")"
		} else {
			model = cpuLine
		}
	}
	mem := firstField("/proc/meminfo", "MemTotal", ":")
	if kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(mem), " kB"), 64); err == nil {
		mem = fmt.Sprintf("%.1f GiB", kb/(1<<20))
	}
	osName := strings.Trim(firstField("/etc/os-release", "PRETTY_NAME", "="), `"`)
	if rel, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		osName += ", Linux " + strings.TrimSpace(string(rel))
	}
	load := ""
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	lines := []string{
		"- CPU: " + orUnknown(model),
		fmt.Sprintf("- Cores: %d", runtime.NumCPU()),
		"- Memory: " + orUnknown(mem),
		"- OS: " + orUnknown(osName),
		"- Go: " + runtime.Version() + " (" + runtime.GOOS + "/" + runtime.GOARCH + ")",
	}
	if loadBefore != "" || load != "" {
		lines = append(lines, fmt.Sprintf("- Load average (1, 5, 15 min) before the run: %s; after: %s. "+
			"Timings on a shared machine move with it.", orUnknown(loadBefore), orUnknown(load)))
	}
	return lines
}

func orUnknown(s string) string {
	if strings.TrimSpace(s) == "" {
		return "unknown"
	}
	return s
}

// firstField returns the value of the first line of path starting with key.
func firstField(path, key, sep string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, sep); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func main() {
	out := flag.String("o", "docs/BENCHMARKS.md", "the file to write")
	loadBefore := flag.String("load-before", "", "the load average when the run started")
	command := flag.String("command", "make bench", "the command that produced the results")
	flag.Parse()
	rs := &results{byName: map[string]result{}}
	for _, path := range flag.Args() {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchreport:", err)
			os.Exit(1)
		}
		err = parse(f, rs)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchreport: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
	doc := render(rs, *command, *loadBefore, time.Now())
	if err := os.WriteFile(*out, []byte(doc), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	if len(rs.missing) > 0 {
		fmt.Fprintf(os.Stderr, "benchreport: wrote %s, but these results are missing: %s\n", *out, strings.Join(rs.missing, ", "))
		os.Exit(1)
	}
	fmt.Printf("benchreport: wrote %s\n", *out)
}
