package identity

import (
	"os"
	"path/filepath"
	"testing"
)

const (
	roleA  = "arn:aws:iam::111122223333:role/StudioRole-A"
	shared = "arn:aws:iam::111122223333:role/StudioShared"
	deflt  = "arn:aws:iam::111122223333:role/StudioDefault"
)

func TestResolve(t *testing.T) {
	p := New()
	p.Learn("sagemaker.amazonaws.com", "CreateDomain", `{"domainId":"d-1","defaultUserSettings":{"executionRole":"`+deflt+`"}}`)
	p.Learn("sagemaker.amazonaws.com", "CreateUserProfile", `{"domainId":"d-1","userProfileName":"alice","userSettings":{"executionRole":"`+roleA+`"}}`)
	p.Learn("sagemaker.amazonaws.com", "CreateUserProfile", `{"domainId":"d-1","userProfileName":"bob","userSettings":{"executionRole":"`+shared+`"}}`)
	p.Learn("sagemaker.amazonaws.com", "CreateUserProfile", `{"domainId":"d-1","userProfileName":"carol","userSettings":{"executionRole":"`+shared+`"}}`)
	p.Learn("sagemaker.amazonaws.com", "CreateUserProfile", `{"domainId":"d-1","userProfileName":"dave"}`) // domain default
	p.Learn("amplify.amazonaws.com", "CreateUserProfile", `{"domainId":"d-1","userProfileName":"mallory","userSettings":{"executionRole":"`+roleA+`"}}`)
	for _, c := range []struct{ sid, role, want, how string }{
		{"alice-si", roleA, "alice-si", BySourceIdentity},          // sourceIdentity wins
		{"V2.111122223333.AROAEXAMPLE", roleA, "alice", ByRoleMap}, // Lake Formation's own form is not a profile
		{"", roleA, "alice", ByRoleMap},                            // another service's event taught nothing
		{"", shared, "", ""},                                       // two profiles share the role
		{"", deflt, "dave", ByRoleMap},                             // the domain default role
		{"", "arn:aws:iam::111122223333:role/Unknown", "", ""},
	} {
		got, how := p.Resolve(c.sid, c.role)
		if got != c.want || how != c.how {
			t.Errorf("Resolve(%q, %q) = %q, %q; want %q, %q", c.sid, c.role, got, how, c.want, c.how)
		}
	}
	p.Learn("sagemaker.amazonaws.com", "DeleteUserProfile", `{"domainId":"d-1","userProfileName":"carol"}`)
	if got, _ := p.Resolve("", shared); got != "bob" {
		t.Errorf("after carol's profile was deleted, the shared role resolves to %q, want bob", got)
	}

	// The learned map survives a round trip through the lake.
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	q := New()
	if err := q.Merge(b); err != nil {
		t.Fatal(err)
	}
	if got, _ := q.Resolve("", deflt); got != "dave" {
		t.Errorf("merged map resolves the default role to %q", got)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	byRole := filepath.Join(dir, "roles.json")
	os.WriteFile(byRole, []byte(`{"`+roleA+`":"alice"}`), 0o644)
	described := filepath.Join(dir, "described.json")
	os.WriteFile(described, []byte(`[{"DomainId":"d-1","UserProfileName":"erin","UserSettings":{"ExecutionRole":"`+shared+`"}}]`), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`[{"DomainId":"d-1"}]`), 0o644)
	p := New()
	if err := p.LoadFile(byRole); err != nil {
		t.Fatal(err)
	}
	if err := p.LoadFile(described); err != nil {
		t.Fatal(err)
	}
	if got, _ := p.Resolve("", roleA); got != "alice" {
		t.Errorf("role map file: %q", got)
	}
	if got, _ := p.Resolve("", shared); got != "erin" {
		t.Errorf("describe-user-profile file: %q", got)
	}
	if err := p.LoadFile(bad); err == nil {
		t.Error("an entry without UserProfileName was accepted")
	}
	if err := p.LoadFile(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file was accepted")
	}
}
