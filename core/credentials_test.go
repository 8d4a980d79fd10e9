package core

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
)

func TestCredentialsNeverPrintThePrivateKey(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	c := Credentials{KeyID: "ABCDE12345", IssuerID: "69a6de70-03db-47e3-e053-5b8c7c11a4d1", Kind: KindTeam, PrivateKey: priv}
	d := priv.D.String()
	dHex := priv.D.Text(16)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out := fmt.Sprintf(verb, c)
		if strings.Contains(out, d) || strings.Contains(out, dHex) {
			t.Errorf("%s prints the private key: %s", verb, out)
		}
		if verb == "%v" && !strings.Contains(out, "ABCDE12345") {
			t.Errorf("%s hides the Key ID too: %s", verb, out)
		}
	}
	if out := fmt.Sprintf("%v", &c); strings.Contains(out, d) || strings.Contains(out, dHex) {
		t.Errorf("a pointer prints the private key: %s", out)
	}
}

func TestKinds(t *testing.T) {
	tests := []struct {
		kind     KeyKind
		aud      string
		base     string
		provis   bool
		hasIssue bool
	}{
		{KindTeam, "appstoreconnect-v1", "https://api.appstoreconnect.apple.com", true, true},
		{KindIndividual, "appstoreconnect-v1", "https://api.appstoreconnect.apple.com", false, false},
		{KindEnterprise, "apple-developer-enterprise-v1", "https://api.enterprise.developer.apple.com", true, true},
	}
	for _, tt := range tests {
		k := tt.kind
		if k.Audience() != tt.aud || k.BaseURL() != tt.base || k.CanProvision() != tt.provis || k.HasIssuer() != tt.hasIssue {
			t.Errorf("%v: aud %s, base %s, provisioning %v, issuer %v", k, k.Audience(), k.BaseURL(), k.CanProvision(), k.HasIssuer())
		}
	}
}
