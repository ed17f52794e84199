package clusternp_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/netintent/netintent/k8snp"
	"github.com/netintent/netintent/k8snp/clusternp"
	"github.com/netintent/netintent/policy"
	"sigs.k8s.io/network-policy-api/apis/v1alpha2"
)

// apiMatches is what the API (v0.2.0, v1alpha2.DomainName) says the domainNames entry d
// matches: a name only itself, "*." and a name one or more whole labels before it, never
// the name itself. DNS names compare without case and without the root's dot.
func apiMatches(d v1alpha2.DomainName, name string) bool {
	pattern := strings.TrimSuffix(strings.ToLower(string(d)), ".")
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	suffix, wild := strings.CutPrefix(pattern, "*")
	if !wild {
		return name == pattern
	}
	labels, ok := strings.CutSuffix(name, suffix)
	return ok && labels != "" && !strings.Contains("."+labels+".", "..")
}

// TestDomainNames: each FQDN pattern clusternp maps to a domainNames entry admits, on
// sample names, exactly what the intent's pattern admits (policy.MatchFQDN); the others
// are refused.
func TestDomainNames(t *testing.T) {
	samples := []string{"example.com", "example.com.", "EXAMPLE.com", "a.example.com", "A.Example.COM.", "a.b.example.com",
		"x.y.z.example.com", "aexample.com", "example.co.uk", "a.example.co.uk", "a-example.com", "example.org", "a.example.org", "com", "a.com", "example.com.evil.org"}
	tests := []struct {
		pattern string
		want    v1alpha2.DomainName // "" for refused
	}{
		{"example.com", "example.com"},
		{"Example.COM.", "example.com"},
		{"api.example.com", "api.example.com"},
		{"**.example.com", "*.example.com"},
		{"***.example.com", "*.example.com"},
		{"*.example.com", ""},    // one label in the intent, one or more in the API
		{"a*.example.com", ""},   // part of a label
		{"**.*.example.com", ""}, // a star after the leading one
		{"**.example.*", ""},     // the same
		{"*", ""},                // every name: no entry
		{"**.", ""},              // the same
		{"localhost", ""},        // one label: the CRD's pattern wants two
		{"**.com", ""},           // *.com: the CRD wants two labels after *.
		{"**.example.co.uk", "*.example.co.uk"},
		{"a_b.example.com", "a_b.example.com"},
	}
	for _, tt := range tests {
		set := policy.NewSet()
		set.Cluster("g").AllowTo(policy.FQDN(tt.pattern)).TCP(443)
		res, err := clusternp.Compile(set, clusterCIDRs(), clusternp.Nodes(), clusternp.DomainNames())
		if tt.want == "" {
			var ce *policy.CompileError
			if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Construct != "FQDN patterns" {
				t.Errorf("%q: got %v, want the refusal of FQDN patterns", tt.pattern, err)
			}
			// The entry of the same spelling would widen or narrow: some sample tells.
			if d := v1alpha2.DomainName(strings.TrimSuffix(tt.pattern, ".")); strings.HasPrefix(tt.pattern, "*.") &&
				!slices.ContainsFunc(samples, func(n string) bool { return apiMatches(d, n) != policy.MatchFQDN(tt.pattern, n) }) {
				t.Errorf("%q: no sample tells it from the domainNames entry %q", tt.pattern, d)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.pattern, err)
			continue
		}
		var got []v1alpha2.DomainName
		for _, c := range res.ClusterNetworkPolicies {
			for _, r := range c.Spec.Egress {
				for _, p := range r.To {
					got = append(got, p.DomainNames...)
				}
			}
		}
		if len(got) != 1 || got[0] != tt.want {
			t.Errorf("%q: domainNames %q, want [%q]", tt.pattern, got, tt.want)
			continue
		}
		for _, name := range samples {
			if api, intent := apiMatches(got[0], name), policy.MatchFQDN(tt.pattern, name); api != intent {
				t.Errorf("%q as %q: %q matched %v by the API, %v by the intent", tt.pattern, got[0], name, api, intent)
			}
		}
	}
}

// TestDomainNamesWithoutOption: FQDN allows stay refused without DomainNames, naming it.
func TestDomainNamesWithoutOption(t *testing.T) {
	set := policy.NewSet()
	set.Cluster("g").AllowTo(policy.FQDN("**.example.com")).TCP(443)
	_, err := clusternp.Compile(set, k8snp.ClusterCIDRs(goldenClusterCIDRs...), clusternp.Nodes())
	var ce *policy.CompileError
	if !errors.As(err, &ce) || len(ce.Problems) != 1 || ce.Problems[0].Construct != "FQDN peers" ||
		len(ce.Problems[0].Fixes) != 1 || ce.Problems[0].Fixes[0].Option != "k8snp/clusternp.DomainNames()" {
		t.Fatalf("got %v, want the refusal of FQDN peers naming DomainNames", err)
	}
}
