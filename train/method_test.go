package train

import "testing"

// TestMethodRegistry checks that every registered method is complete: a network method builds a
// loss, a method with solved targets has a y-step solver (and only such a method), names are
// unique, and the labelled methods are exactly the supervised ones and seeds.
func TestMethodRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range methods {
		if seen[m.name] {
			t.Errorf("method %s registered twice", m.name)
		}
		seen[m.name] = true
		if m.network != (m.loss != nil) {
			t.Errorf("method %s: network %v but loss set %v", m.name, m.network, m.loss != nil)
		}
		if (m.targets == solvedTargets) != (m.solve != nil) {
			t.Errorf("method %s: targets %d but solver set %v", m.name, m.targets, m.solve != nil)
		}
		cfg := Default()
		cfg.Loss = m.name
		want := m.name == "supervised-ce" || m.name == "supervised-cce" || m.name == "seeds"
		if got := cfg.Labelled(); got != want {
			t.Errorf("method %s: Labelled() = %v without seeds", m.name, got)
		}
		cfg.Seeds.Fraction = 0.1
		if !cfg.Labelled() {
			t.Errorf("method %s: not labelled with seeds.fraction 0.1", m.name)
		}
	}
	if len(Losses) != len(methods) || lookupMethod("nope") != nil {
		t.Fatal("Losses and lookupMethod disagree with the registry")
	}
	cfg := Default()
	cfg.Loss, cfg.IMSAT.SAT = "imsat", "vat"
	if methodLabel(&cfg) != "imsat (VAT)" {
		t.Errorf("label %q", methodLabel(&cfg))
	}
	cfg.IMSAT.SAT = "augment"
	if methodLabel(&cfg) != "imsat (augmented view)" {
		t.Errorf("label %q", methodLabel(&cfg))
	}
	if err := cfg.Validate(); err == nil {
		t.Error("imsat.sat augment without a pipeline accepted")
	}
	cfg.Loss = "cce"
	if methodLabel(&cfg) != "cce" {
		t.Errorf("label %q", methodLabel(&cfg))
	}
}
