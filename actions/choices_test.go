package actions

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/asckeys/asckeys/core"
	"github.com/asckeys/asckeys/storage"
)

// Create Certificate offers only what an API key may create, with Apple's
// reported limit and the team's count; an individual key is offered none.
func TestCertificateChoices(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	at := func(days int) core.Time { return core.Time{Time: now.AddDate(0, 0, days)} }
	certs := []core.Certificate{
		{ID: "a", CertificateType: "IOS_DISTRIBUTION", ExpirationDate: at(30)},
		{ID: "b", CertificateType: "IOS_DISTRIBUTION", ExpirationDate: at(300)},
		{ID: "c", CertificateType: "IOS_DISTRIBUTION", ExpirationDate: at(3)},
		{ID: "d", CertificateType: "IOS_DISTRIBUTION", ExpirationDate: at(-3)}, // expired: not counted
		{ID: "e", CertificateType: "DEVELOPMENT", ExpirationDate: at(30)},
		{ID: "f", CertificateType: "DEVELOPMENT", ExpirationDate: at(30)},
		{ID: "g", CertificateType: "DEVELOPMENT", ExpirationDate: at(30)},
	}
	team := CertificateChoices(Deps{Key: storage.Key{Kind: core.KindTeam}}, certs, now)
	byType := map[string]CertificateChoice{}
	for _, c := range team {
		if strings.HasPrefix(c.Type, "DEVELOPER_ID") || strings.Contains(c.Type, "PUSH") || strings.HasPrefix(c.Type, "APPLE_PAY") {
			t.Errorf("%s is offered, but an API key cannot create it", c.Type)
		}
		byType[c.Type] = c
	}
	if c := byType["IOS_DISTRIBUTION"]; c.Limit != 3 || c.Current != 3 || !c.Full() {
		t.Errorf("iOS distribution: %+v, want 3 of 3, full", c)
	}
	// Development is counted per person: the team's list cannot say full.
	if c := byType["DEVELOPMENT"]; c.Limit != 2 || c.Current != 3 || c.Full() {
		t.Errorf("development: %+v, want limit 2, 3 listed, not full", c)
	}
	if c := byType["DISTRIBUTION"]; c.Current != 0 || c.Full() {
		t.Errorf("distribution: %+v, want none, room", c)
	}
	ent := CertificateChoices(Deps{Key: storage.Key{Kind: core.KindEnterprise}}, certs, now)
	if i := slices.IndexFunc(ent, func(c CertificateChoice) bool { return c.Type == "IOS_DISTRIBUTION" }); i < 0 || ent[i].Limit != 2 {
		t.Errorf("an Enterprise team's distribution limit is not 2: %+v", ent)
	}
	if got := CertificateChoices(Deps{Key: storage.Key{Kind: core.KindIndividual}}, certs, now); len(got) != 0 {
		t.Errorf("an individual key is offered %v", got)
	}
}
