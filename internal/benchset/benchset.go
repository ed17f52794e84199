// Package benchset builds the large Sets that every benchmark measures, so that figures of
// different packages describe the same work.
package benchset

import (
	"fmt"
	"net/netip"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/netintent/netintent/policy"
)

// Namespaces is the number of namespaces the services are spread over.
const Namespaces = 50

// Sizes are the numbers of services the backends' benchmarks measure (issue 7), each
// service with Edges edges.
var Sizes = []int{1000, 5000, 20000}

// Edges is the number of services each service accepts traffic from in the benchmarks.
const Edges = 5

// Name names the sub-benchmark of a size: "services=N".
func Name(services int) string { return fmt.Sprintf("services=%d", services) }

// Namespace and Service name service i of New's Sets.
func Namespace(i int) string { return fmt.Sprintf("ns-%02d", i%Namespaces) }

// Service names service i of New's Sets (see Namespace).
func Service(i int) string { return fmt.Sprintf("svc-%05d", i) }

// Peer is the service from which service i accepts TCP on port Port(k), for k in
// 1..edges, in a Set of the given number of services.
func Peer(i, k, services int) int { return (i + k*7919) % services }

// Port is the TCP port of every service's k-th edge.
func Port(k int) int { return 8000 + k }

// DefaultDeny reports whether New makes namespace n (0 ≤ n < Namespaces) default-deny.
func DefaultDeny(n int) bool { return n%2 == 0 }

// New returns a Set of the given number of services spread over Namespaces namespaces;
// each service accepts TCP from edges other services (services×edges edges; with the
// sizes benchmarked, every edge crosses namespaces), and every other namespace is
// default-deny, so that half of the edges are mirrored at the sending end.
func New(services, edges int) *policy.Set {
	s := policy.NewSet()
	for i := range services {
		w := s.ServiceIn(Namespace(i), Service(i))
		for k := 1; k <= edges; k++ {
			j := Peer(i, k, services)
			w.AllowFrom(policy.ServiceIn(Namespace(j), Service(j))).TCP(Port(k))
		}
	}
	for i := 0; i < Namespaces; i++ {
		if DefaultDeny(i) {
			s.Namespace(Namespace(i)).DefaultDeny()
		}
	}
	return s
}

// Guarded returns New(services, edges) with the guide's cluster-wide guardrails: no pod
// sends to the cloud metadata service (seed 07), and no pod labelled
// environment=production sends to addresses outside the private ranges (seed 12, as a
// guardrail: it denies and isolates nothing). Backends that need the cluster's address
// ranges for CIDR peers get ClusterRanges.
func Guarded(services, edges int) *policy.Set {
	s := New(services, edges)
	s.Cluster("block-metadata").DenyTo(policy.CIDR("169.254.169.254/32")).TCP(80)
	s.Cluster("block-external").Select(policy.MatchLabels{"environment": "production"}).
		DenyTo(policy.CIDR("0.0.0.0/0", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
	return s
}

// ClusterRanges are the pod, node and API server ranges of the cluster the benchmarks
// compile for, where a backend needs them (Guarded's CIDR peers).
var ClusterRanges = []netip.Prefix{netip.MustParsePrefix("10.244.0.0/16"), netip.MustParsePrefix("10.0.0.0/24")}

// CPU starts measuring the CPU time of the process (user and system, every thread: the
// garbage collector's background work included); the function it returns reports it per
// iteration as cpu-ms/op, on systems that tell (Unix). Call that after the benchmark
// loop. On a shared machine ns/op, which is wall time, also counts the time other
// processes held the CPUs; cpu-ms/op does not.
func CPU(b *testing.B) func() {
	start, ok := cpuTime()
	return func() {
		if end, _ := cpuTime(); ok && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		}
	}
}

// Heap is what HeapPeak observed of the Go heap, in bytes.
type Heap struct {
	// Peak is the largest heap in use seen: objects live or not yet swept, plus the free
	// space of their spans (runtime.MemStats.HeapInuse). It is what the process holds.
	Peak uint64
	// Live is the largest heap found live by a garbage collection during the run.
	Live uint64
}

// MiB converts bytes to mebibytes, for b.ReportMetric.
func MiB(n uint64) float64 { return float64(n) / (1 << 20) }

var heapSamples = []metrics.Sample{
	{Name: "/memory/classes/heap/objects:bytes"},
	{Name: "/memory/classes/heap/unused:bytes"},
	{Name: "/gc/heap/live:bytes"},
}

// HeapPeak runs f and returns the peak heap it observed by sampling runtime/metrics every
// millisecond on another goroutine (metrics.Read does not stop the world, and sampling
// allocates nothing). The heap grows steadily between collections, so the samples miss
// little of the peak: at most what f allocates in a millisecond.
func HeapPeak(f func()) Heap {
	var mu sync.Mutex
	var h Heap
	sampler := func() func() {
		samples := append([]metrics.Sample(nil), heapSamples...)
		return func() {
			metrics.Read(samples)
			mu.Lock()
			defer mu.Unlock()
			h.Peak = max(h.Peak, samples[0].Value.Uint64()+samples[1].Value.Uint64())
			h.Live = max(h.Live, samples[2].Value.Uint64())
		}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		sample := sampler()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				sample()
			}
		}
	})
	sample := sampler()
	sample()
	f()
	sample()
	close(done)
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	return h
}

// Redundant is the Set of the compaction tests (issue 7): the intent of Deduplicated,
// written with every kind of redundancy a large Set accumulates. Namespace edge is
// default-deny, so that the edges from it are mirrored (and their redundancy too);
// monitoring is not, so that rules from it are not.
func Redundant() *policy.Set {
	s := policy.NewSet()
	// Namespace defaults declared twice.
	s.Namespace("shop").AllowSameNamespace().DefaultDeny()
	s.Namespace("shop").AllowSameNamespace().DefaultDeny()
	s.Namespace("edge").DefaultDeny()
	s.Namespace("edge").DefaultDeny()
	web, admin := policy.ServiceIn("edge", "web"), policy.ServiceIn("edge", "admin")
	prom, grafana := policy.ServiceIn("monitoring", "prom"), policy.ServiceIn("monitoring", "grafana")
	api := s.ServiceIn("shop", "api")
	for range 3 {
		api.AllowFrom(web).TCP(8080) // the same edge, three times
	}
	api.AllowFrom(admin).TCP(8080) // a peer sharing the port
	api.AllowFrom(web).TCP(8443)   // a port sharing the peer
	db := s.ServiceIn("shop", "db")
	db.AllowFrom(prom).TCP(9090) // subsumed by the next rule, which allows all traffic
	db.AllowFrom(prom)
	pay := s.ServiceIn("shop", "pay")
	pay.AllowFrom(prom).TCP(9090) // both subsumed by the allow-all rule
	pay.AllowFrom(grafana).TCP(3000)
	pay.AllowFrom(policy.Any())
	return s
}

// Deduplicated is Redundant written without redundancy.
func Deduplicated() *policy.Set {
	s := policy.NewSet()
	s.Namespace("shop").AllowSameNamespace().DefaultDeny()
	s.Namespace("edge").DefaultDeny()
	s.ServiceIn("shop", "api").
		AllowFrom(policy.ServiceIn("edge", "web")).TCP(8080, 8443).
		AllowFrom(policy.ServiceIn("edge", "admin")).TCP(8080)
	s.ServiceIn("shop", "db").AllowFrom(policy.ServiceIn("monitoring", "prom"))
	s.ServiceIn("shop", "pay").AllowFrom(policy.Any())
	return s
}

// SameVerdicts checks that the reference evaluator gives every flow of both Sets'
// Universes the same verdict under a and under b.
func SameVerdicts(tb testing.TB, a, b *policy.Set) {
	tb.Helper()
	ma, err := a.Model()
	if err != nil {
		tb.Fatal(err)
	}
	mb, err := b.Model()
	if err != nil {
		tb.Fatal(err)
	}
	flows := append(ma.Universe().Flows(), mb.Universe().Flows()...)
	if len(flows) == 0 {
		tb.Fatal("no flows to compare")
	}
	for _, f := range flows {
		va, vb := ma.Evaluate(f), mb.Evaluate(f)
		if va.Allowed != vb.Allowed || va.AuditDenied != vb.AuditDenied {
			tb.Errorf("%s → %s %s/%d: %v, but %v without the redundancy", f.From.Describe(), f.To.Describe(),
				f.Protocol, f.Port, va, vb)
		}
	}
}
