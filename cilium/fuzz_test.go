package cilium_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/golden"
	"github.com/netintent/netintent/internal/randset"
	"github.com/netintent/netintent/policy"
)

// fuzzSet builds a random valid Set (randset, every feature) and adds the builder calls
// that flags select, fed with the fuzzer's strings and number: constructs Cilium refuses
// (tiers, audit, FQDN denies, ICMP codes, host HTTP) and input the builder must reject
// (bad names, CIDRs, FQDNs, paths, ports).
func fuzzSet(seed uint64, name, cidr, fqdn, path string, port int, flags uint16) *policy.Set {
	set := randset.New(seed, 1+int(seed%6), randset.All).Set
	on := func(bit uint) bool { return flags&(1<<bit) != 0 }
	web := func() *policy.Workload { return set.ServiceIn("shop", "web") }
	if on(0) {
		set.ServiceIn("shop", name).AllowFrom("web").TCP(port)
	}
	if on(1) {
		web().AllowTo(policy.CIDR(cidr)).TCP(443)
	}
	if on(2) {
		web().AllowTo(policy.FQDN(fqdn)).TCP(443)
	}
	if on(3) {
		set.ServiceIn("pay", "api").AllowFrom(policy.ServiceIn("shop", "web")).TCP(8080).HTTP("GET", path)
	}
	if on(4) {
		set.ServiceIn("pay", "api").AllowFrom(policy.ServiceIn("shop", "web")).TCP(8080).HTTPRegex(name, path)
	}
	if on(5) {
		set.ServiceIn("pay", "api").AllowFrom(policy.World()).TCP(port).
			HTTPRequest(policy.HTTPMatch{Method: "POST", Host: fqdn, Headers: []policy.Header{{Name: name, Value: path}}})
	}
	if on(6) {
		set.Tier("security", 10)
		set.Cluster("guard").InTier("security", 1).DenyTo(policy.CIDR(cidr))
	}
	if on(7) {
		set.ServiceIn("ops", "cache").Audit().AllowFrom("web").TCP(6379)
	}
	if on(8) {
		set.Host("nodes").AllowFrom(policy.CIDR(cidr)).TCP(22).HTTP("GET", path)
	}
	if on(9) {
		web().AllowFrom(policy.Namespace("ops")).ICMP(8, port)
	}
	if on(10) {
		web().DenyTo(policy.FQDN(fqdn))
	}
	if on(11) {
		web().AllowTo(policy.KubeDNS()).UDP(53).DNS(fqdn)
	}
	if on(12) {
		web().AllowFrom(policy.Service("api").InCluster(name)).TCP(80)
	}
	if on(13) {
		web().AllowFrom(policy.ServiceIn("pay", "api").WithServiceAccount(name)).PortRange(policy.TCP, port, port+10)
	}
	if on(14) {
		web().AllowTo(policy.FQDN(fqdn)).AllPorts(policy.TCP).HTTPPrefix("GET", path)
	}
	return set
}

// FuzzCompileCilium checks that Compile never panics on any builder input, returns only a
// *policy.ValidationError (bad input) or a *policy.CompileError (refused intent, with its
// problems) as errors, and otherwise renders YAML that strictly decodes into Cilium's
// types and is byte-identical when the same Set is built and compiled again.
func FuzzCompileCilium(f *testing.F) {
	for seed := range uint64(12) {
		f.Add(seed, "api", "192.0.2.0/24", "*.example.com", "/v1/", 8080, uint16(0), uint8(seed))
	}
	f.Add(uint64(1), "web", "2001:db8::/32", "api.example.com", "/orders/[0-9]+", 443, uint16(1<<3|1<<4|1<<11), uint8(0))
	f.Add(uint64(2), "Bad Name", "10.0.0.1/8", "a..b", "[", 70000, uint16(0x7fff), uint8(0xff))
	f.Add(uint64(3), "", "", "", "", 0, uint16(1<<6|1<<7|1<<8|1<<9|1<<10), uint8(0))
	f.Add(uint64(4), "X-Token", "0.0.0.0/0", "**.example.org", " spaced ", 53, uint16(1<<5|1<<12|1<<13|1<<14), uint8(3))
	// Found by the fuzzer: an HTTP path with DEL compiled, and the YAML then failed.
	f.Add(uint64(1), "A", "0", "0", "/\x7f", 443, uint16(2072), uint8(0))
	f.Fuzz(func(t *testing.T, seed uint64, name, cidr, fqdn, path string, port int, flags uint16, opts uint8) {
		var options []cilium.Option
		if opts&1 != 0 {
			options = append(options, cilium.WidenL7())
		}
		if opts&2 != 0 {
			options = append(options, cilium.WidenICMPCodes())
		}
		if opts&4 != 0 {
			options = append(options, cilium.OmitAudit())
		}
		if opts&8 != 0 {
			options = append(options, cilium.LocalCluster("default"))
		}
		build := func() *policy.Set { return fuzzSet(seed, name, cidr, fqdn, path, port, flags) }
		res, err := cilium.Compile(build(), options...)
		if err != nil {
			var ce *policy.CompileError
			var ve *policy.ValidationError
			if !errors.As(err, &ce) && !errors.As(err, &ve) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			if ce != nil && len(ce.Problems) == 0 {
				t.Fatal("CompileError without problems")
			}
			if _, again := cilium.Compile(build(), options...); again == nil || again.Error() != err.Error() {
				t.Fatalf("second compile differs:\n%v\n%v", err, again)
			}
			return
		}
		y, err := res.YAML()
		if err != nil {
			t.Fatal(err)
		}
		golden.RoundTrip(t, y, newObject)
		again, err := cilium.Compile(build(), options...)
		if err != nil {
			t.Fatal(err)
		}
		if y2, _ := again.YAML(); !bytes.Equal(y, y2) {
			t.Fatalf("two compiles differ:\n%s\n----\n%s", y, y2)
		}
	})
}
