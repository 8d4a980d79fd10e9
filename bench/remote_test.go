//go:build unix

package bench

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/sandbox"
)

// The timed benchmarks run the sandbox in a process of its own, as Apple's
// servers are not in ours: in one process, the sandbox's garbage collection
// and scheduling would stop the client too. The benchmark program is started
// again in sandbox mode (see TestMain); it serves the API, and on a second
// loopback port a small control API for the benchmark (stats, reset,
// latency, making content), and ends when its standard input closes.

// sandboxVar, when set in the environment of the benchmark program, makes it
// a sandbox server with the JSON sandbox.Config it holds.
const sandboxVar = "ASCKEYS_BENCH_SANDBOX"

// sandboxConfig is the part of sandbox.Config a sandbox process is started
// with (the rest cannot travel as JSON, and the benchmarks leave it zero).
type sandboxConfig struct {
	Seed                                       int64
	Certificates, Profiles, BundleIDs, Devices int
	HourlyLimit                                int
	Latency                                    time.Duration
	LatencyIncludesWork                        bool
	Bandwidth                                  int64
	ProfileTypes                               []string
}

func (c sandboxConfig) config() sandbox.Config {
	return sandbox.Config{Seed: c.Seed, Certificates: c.Certificates, Profiles: c.Profiles, BundleIDs: c.BundleIDs,
		Devices: c.Devices, HourlyLimit: c.HourlyLimit, Latency: c.Latency,
		LatencyIncludesWork: c.LatencyIncludesWork, Bandwidth: c.Bandwidth, ProfileTypes: c.ProfileTypes}
}

// sandboxHello is the line a sandbox process prints once it serves.
type sandboxHello struct {
	URL     string `json:"url"`
	Control string `json:"control"`
	KeyID   string `json:"keyId"`
	Issuer  string `json:"issuerId"`
	PEM     string `json:"pem"`
}

// serveSandbox is the sandbox mode of the benchmark program.
func serveSandbox(config string) int {
	var cfg sandboxConfig
	if err := json.Unmarshal([]byte(config), &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		return 2
	}
	srv := sandbox.New(cfg.config())
	if err := srv.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		return 2
	}
	defer srv.Close()
	key := srv.NewKey(core.KindTeam, sandbox.RoleAdmin)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, r *http.Request) {
		after, _ := strconv.Atoi(r.URL.Query().Get("after")) // none: 0, at once
		_ = json.NewEncoder(w).Encode(srv.StatsAfter(after))
	})
	mux.HandleFunc("POST /reset", func(http.ResponseWriter, *http.Request) { srv.ResetStats() })
	mux.HandleFunc("POST /latency", func(w http.ResponseWriter, r *http.Request) {
		d, err := time.ParseDuration(r.URL.Query().Get("d"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		srv.SetLatency(d)
	})
	// Apple has every certificate's and profile's content ready; the
	// sandbox makes it on first use, which is not what is timed.
	mux.HandleFunc("POST /make-content", func(w http.ResponseWriter, _ *http.Request) {
		for _, id := range srv.CertificateIDs() {
			if _, err := srv.Certificate(id); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
		for _, id := range srv.ProfileIDs() {
			if _, err := srv.Profile(id); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
		}
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		return 2
	}
	go func() { _ = http.Serve(ln, mux) }()

	hello, _ := json.Marshal(sandboxHello{URL: srv.URL(), Control: "http://" + ln.Addr().String(),
		KeyID: key.KeyID, Issuer: key.IssuerID, PEM: string(key.PEM)})
	fmt.Println(string(hello))
	_, _ = io.Copy(io.Discard, os.Stdin) // until the benchmark ends
	return 0
}

// remoteSandbox is a sandbox process started by startRemoteSandbox.
type remoteSandbox struct {
	url     string
	control string
	key     sandbox.TestKey
}

// startRemoteSandbox starts a sandbox process for cfg, with one Admin team
// key, and ends it when the benchmark ends. Only the sizes, the seed, the
// hourly limit, the latency, the bandwidth and the profile types of cfg are
// used.
func startRemoteSandbox(b *testing.B, cfg sandbox.Config) *remoteSandbox {
	b.Helper()
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	config, err := json.Marshal(sandboxConfig{Seed: cfg.Seed, Certificates: cfg.Certificates, Profiles: cfg.Profiles,
		BundleIDs: cfg.BundleIDs, Devices: cfg.Devices, HourlyLimit: cfg.HourlyLimit, Latency: cfg.Latency,
		LatencyIncludesWork: cfg.LatencyIncludesWork, Bandwidth: cfg.Bandwidth, ProfileTypes: cfg.ProfileTypes})
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), sandboxVar+"="+string(config))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("the sandbox process did not start: %v", err)
	}
	var hello sandboxHello
	if err := json.Unmarshal([]byte(line), &hello); err != nil {
		b.Fatalf("the sandbox process said %q: %v", line, err)
	}
	priv, err := parseP8([]byte(hello.PEM))
	if err != nil {
		b.Fatal(err)
	}
	return &remoteSandbox{url: hello.URL, control: hello.Control, key: sandbox.TestKey{
		Key:        sandbox.Key{KeyID: hello.KeyID, IssuerID: hello.Issuer, Kind: core.KindTeam, Role: sandbox.RoleAdmin, PublicKey: &priv.PublicKey},
		PrivateKey: priv,
		PEM:        []byte(hello.PEM),
	}}
}

func parseP8(data []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("the sandbox's key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("the sandbox's key is a %T", k)
	}
	return ec, nil
}

func (r *remoteSandbox) call(b *testing.B, method, path string, into any) {
	b.Helper()
	req, err := http.NewRequest(method, r.control+path, nil)
	if err != nil {
		b.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		b.Fatalf("sandbox %s %s: %s: %s", method, path, res.Status, strings.TrimSpace(string(body)))
	}
	if into != nil {
		if err := json.Unmarshal(body, into); err != nil {
			b.Fatal(err)
		}
	}
}

// statsAfter returns the sandbox's counters once it has counted n requests
// (sandbox.Server.StatsAfter).
func (r *remoteSandbox) statsAfter(b *testing.B, n int) sandbox.Stats {
	var st sandbox.Stats
	r.call(b, http.MethodGet, "/stats?after="+strconv.Itoa(n), &st)
	return st
}

func (r *remoteSandbox) reset(b *testing.B) { r.call(b, http.MethodPost, "/reset", nil) }

func (r *remoteSandbox) setLatency(b *testing.B, d time.Duration) {
	r.call(b, http.MethodPost, "/latency?d="+d.String(), nil)
}

func (r *remoteSandbox) makeContent(b *testing.B) { r.call(b, http.MethodPost, "/make-content", nil) }
