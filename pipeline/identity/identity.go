// Package identity resolves the SageMaker Studio user profile behind an
// AWS call (ARCHITECTURE.md §5, steps 1 and 2):
//
//  1. userIdentity.sessionContext.sourceIdentity, when the Studio domain sets
//     ExecutionRoleIdentityConfig=USER_PROFILE_NAME and the value is not Lake
//     Formation's own "V2.<account>.<role id>" form;
//  2. the execution role, when exactly one profile uses it. The role map is
//     learned from SageMaker CreateDomain / UpdateDomain / CreateUserProfile /
//     UpdateUserProfile / DeleteUserProfile events and from an optional
//     profiles file.
//
// Step 3 (the chain through Lake Formation and Athena) needs several sources
// at once and happens at report time.
package identity

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"sync"

	"github.com/auditlake/auditlake/pipeline/arns"
)

// How a profile was resolved.
const (
	BySourceIdentity = "source_identity"
	ByRoleMap        = "role_map"
)

var lfSourceIdentity = regexp.MustCompile(`^V2\.[0-9]{12}\.[A-Z0-9]+$`)

// IsLakeFormationSourceIdentity reports whether v is the sourceIdentity Lake
// Formation sets on sessions it vends: "V2.<account>.<initiating role id>".
func IsLakeFormationSourceIdentity(v string) bool { return lfSourceIdentity.MatchString(v) }

type profileKey struct{ Domain, Name string }

// Profiles is the execution-role → Studio-profile map. It is safe for
// concurrent use.
type Profiles struct {
	mu            sync.RWMutex
	domainDefault map[string]string     // domain id → default execution role
	profileRole   map[profileKey]string // profile → its own execution role ("" = domain default)
	static        map[string][]string   // role → profiles, from a profiles file
}

// New returns an empty map.
func New() *Profiles {
	return &Profiles{domainDefault: map[string]string{}, profileRole: map[profileKey]string{}, static: map[string][]string{}}
}

// Resolve returns the Studio profile for a call made with sourceIdentity
// and role, and how it was found; "" when it cannot be known.
func (p *Profiles) Resolve(sourceIdentity, roleARN string) (profile, how string) {
	if sourceIdentity != "" && !IsLakeFormationSourceIdentity(sourceIdentity) {
		return sourceIdentity, BySourceIdentity
	}
	if roleARN == "" || p == nil {
		return "", ""
	}
	names := p.ProfilesForRole(roleARN)
	if len(names) == 1 {
		return names[0], ByRoleMap
	}
	return "", ""
}

// ProfilesForRole lists the profiles whose execution role is roleARN.
func (p *Profiles) ProfilesForRole(roleARN string) []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	set := map[string]bool{}
	for _, n := range p.static[roleARN] {
		set[n] = true
	}
	for k, r := range p.profileRole {
		if r == "" {
			r = p.domainDefault[k.Domain]
		}
		if r == roleARN {
			set[k.Name] = true
		}
	}
	out := make([]string, 0, len(set))
	for n := range set {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Learn updates the map from a successful SageMaker call, given its
// requestParameters JSON. Other events are ignored.
func (p *Profiles) Learn(eventSource, eventName, requestParameters string) {
	if eventSource != "sagemaker.amazonaws.com" || requestParameters == "" {
		return
	}
	switch eventName {
	case "CreateDomain", "UpdateDomain", "CreateUserProfile", "UpdateUserProfile", "DeleteUserProfile":
	default:
		return // the other calls teach nothing; skip decoding their requests
	}
	var req struct {
		DomainID            string                         `json:"domainId"`
		UserProfileName     string                         `json:"userProfileName"`
		UserSettings        struct{ ExecutionRole string } `json:"userSettings"`
		DefaultUserSettings struct{ ExecutionRole string } `json:"defaultUserSettings"`
	}
	if json.Unmarshal([]byte(requestParameters), &req) != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch eventName {
	case "CreateDomain", "UpdateDomain":
		if req.DomainID != "" && req.DefaultUserSettings.ExecutionRole != "" {
			p.domainDefault[req.DomainID] = req.DefaultUserSettings.ExecutionRole
		}
	case "CreateUserProfile", "UpdateUserProfile":
		if req.UserProfileName == "" {
			return
		}
		k := profileKey{req.DomainID, req.UserProfileName}
		if r := req.UserSettings.ExecutionRole; r != "" || eventName == "CreateUserProfile" {
			p.profileRole[k] = r
		}
	case "DeleteUserProfile":
		delete(p.profileRole, profileKey{req.DomainID, req.UserProfileName})
	}
}

// LearnCall updates the map from one successful call, given its
// requestParameters and responseElements JSON (Learn, and for CreateDomain
// the new domain's default role: its response carries the domain id that
// its request lacks).
func (p *Profiles) LearnCall(eventSource, eventName, requestParameters, responseElements string) {
	p.Learn(eventSource, eventName, requestParameters)
	if eventSource != "sagemaker.amazonaws.com" || eventName != "CreateDomain" {
		return
	}
	var resp struct {
		DomainArn string `json:"domainArn"`
	}
	var req struct {
		DefaultUserSettings struct{ ExecutionRole string } `json:"defaultUserSettings"`
	}
	if json.Unmarshal([]byte(responseElements), &resp) == nil && json.Unmarshal([]byte(requestParameters), &req) == nil {
		p.LearnDomain(arns.SageMakerDomain(resp.DomainArn), req.DefaultUserSettings.ExecutionRole)
	}
}

// LearnDomain records a domain's default execution role; CreateDomain's
// response carries the domain id that its request lacks.
func (p *Profiles) LearnDomain(domainID, defaultRole string) {
	if domainID == "" || defaultRole == "" {
		return
	}
	p.mu.Lock()
	p.domainDefault[domainID] = defaultRole
	p.mu.Unlock()
}

// snapshot is the persisted form of the map.
type snapshot struct {
	Domains  map[string]string `json:"domains"`  // domain id → default execution role
	Profiles []profileEntry    `json:"profiles"` // learned profiles
}

type profileEntry struct {
	Domain string `json:"domain,omitempty"`
	Name   string `json:"name"`
	Role   string `json:"role,omitempty"` // "" = the domain default
}

// MarshalJSON writes the learned map deterministically.
func (p *Profiles) MarshalJSON() ([]byte, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := snapshot{Domains: p.domainDefault, Profiles: []profileEntry{}}
	for k, r := range p.profileRole {
		s.Profiles = append(s.Profiles, profileEntry{k.Domain, k.Name, r})
	}
	sort.Slice(s.Profiles, func(i, j int) bool {
		a, b := s.Profiles[i], s.Profiles[j]
		if a.Domain != b.Domain {
			return a.Domain < b.Domain
		}
		return a.Name < b.Name
	})
	return json.MarshalIndent(s, "", "  ")
}

// Merge adds a persisted map (from MarshalJSON) to p.
func (p *Profiles) Merge(b []byte) error {
	var s snapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for d, r := range s.Domains {
		p.domainDefault[d] = r
	}
	for _, e := range s.Profiles {
		p.profileRole[profileKey{e.Domain, e.Name}] = e.Role
	}
	return nil
}

// LoadFile adds a profiles file. Two forms are accepted:
//
//	{"arn:aws:iam::111122223333:role/StudioRole-alice": "alice", …}
//	[ <aws sagemaker describe-user-profile output>, … ]
//
// (the second carries UserProfileName, DomainId, UserSettings.ExecutionRole).
func (p *Profiles) LoadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var byRole map[string]string
	if json.Unmarshal(b, &byRole) == nil {
		p.mu.Lock()
		for r, n := range byRole {
			p.static[r] = append(p.static[r], n)
		}
		p.mu.Unlock()
		return nil
	}
	var described []struct {
		DomainID        string `json:"DomainId"`
		UserProfileName string `json:"UserProfileName"`
		UserSettings    struct {
			ExecutionRole string `json:"ExecutionRole"`
		} `json:"UserSettings"`
	}
	if err := json.Unmarshal(b, &described); err != nil {
		return fmt.Errorf("%s: want a JSON object of role ARN → profile name, or an array of describe-user-profile outputs: %w", path, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, d := range described {
		if d.UserProfileName == "" {
			return fmt.Errorf("%s: an entry has no UserProfileName", path)
		}
		p.profileRole[profileKey{d.DomainID, d.UserProfileName}] = d.UserSettings.ExecutionRole
	}
	return nil
}
