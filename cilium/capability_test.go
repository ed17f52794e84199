package cilium_test

import (
	"errors"
	"testing"

	"github.com/netintent/netintent/cilium"
	"github.com/netintent/netintent/internal/capability"
	"github.com/netintent/netintent/policy"
)

// TestCapabilities compiles the probe Set of every feature and checks that the outcome is
// what Capabilities declares: exact without options or warnings, refused, or accepted only
// with the named option.
func TestCapabilities(t *testing.T) {
	options := capabilityOptions
	declared := map[policy.Feature]bool{}
	for _, c := range cilium.Capabilities() {
		declared[c.Feature] = true
		set := capability.Probe(c.Feature)
		res, err := cilium.Compile(set)
		var ce *policy.CompileError
		switch c.Support {
		case policy.Exact:
			if err != nil || len(res.Warnings) > 0 {
				t.Errorf("%s: declared exact, got error %v, warnings %v", c.Feature, err, warningsOf(res))
			}
		case policy.Refused, policy.WithOption:
			if !errors.As(err, &ce) {
				t.Errorf("%s: declared %s, got %v; want a *policy.CompileError", c.Feature, c.Support, err)
			}
		}
		if c.Support != policy.WithOption {
			continue
		}
		opt, ok := options[c.Option]
		if !ok {
			t.Errorf("%s: option %s is not known to the test", c.Feature, c.Option)
			continue
		}
		if _, err := cilium.Compile(set, opt); err != nil {
			t.Errorf("%s: with %s: %v", c.Feature, c.Option, err)
		}
	}
	for _, f := range policy.Features() {
		if !declared[f] {
			t.Errorf("feature %q is not declared", f)
		}
	}
}

func warningsOf(res *cilium.Result) []policy.Warning {
	if res == nil {
		return nil
	}
	return res.Warnings
}

// capabilityOptions maps the options Capabilities names to their values.
var capabilityOptions = map[string]cilium.Option{
	"cilium.OmitAudit()": cilium.OmitAudit(),
}
