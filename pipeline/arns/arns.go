// Package arns reads the Amazon Resource Names audit logs carry: who made
// a call (IAM users and roles, STS sessions), and what it was about (Glue
// tables, S3 objects, SageMaker domains). It is the one place auditlake
// takes ARNs apart. Every function accepts any partition (aws, aws-cn,
// aws-us-gov) and returns zero values for text that is not the ARN it
// reads: log content is attacker-controlled.
package arns

import "strings"

// ARN is an ARN split into its sections.
type ARN struct {
	Partition, Service, Region, Account, Resource string
}

// Parse splits arn:partition:service:region:account:resource; ok is false
// for anything else.
func Parse(s string) (a ARN, ok bool) {
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return ARN{}, false
	}
	// Cut, not Split: no allocation, as this runs for every record.
	for _, f := range []*string{&a.Partition, &a.Service, &a.Region, &a.Account} {
		if *f, rest, ok = strings.Cut(rest, ":"); !ok {
			return ARN{}, false
		}
	}
	if a.Partition == "" || a.Service == "" {
		return ARN{}, false
	}
	a.Resource = rest
	return a, true
}

// Account is the account section of an ARN ("" when s is not one).
func Account(s string) string {
	a, _ := Parse(s)
	return a.Account
}

// Principal is what a caller's ARN says about the caller.
type Principal struct {
	Type     string // IAMUser, Role, AssumedRole, FederatedUser, Root; "" when unknown
	Account  string
	RoleARN  string // the IAM role: itself, or behind an assumed-role session (its path is not in the session ARN)
	RoleName string
	Session  string // the role session name of an assumed-role ARN
	UserName string // an IAM user's or a federated user's name
}

// PrincipalOf reads an IAM user, IAM role, STS assumed-role or
// federated-user ARN, or an account root.
func PrincipalOf(s string) Principal {
	a, ok := Parse(s)
	if !ok {
		return Principal{}
	}
	p := Principal{Account: a.Account}
	switch a.Service {
	case "sts":
		switch {
		case strings.HasPrefix(a.Resource, "assumed-role/"):
			role, session, _ := strings.Cut(a.Resource[len("assumed-role/"):], "/")
			p.Type, p.Session, p.RoleName = "AssumedRole", session, role
			if role != "" {
				p.RoleARN = "arn:" + a.Partition + ":iam::" + a.Account + ":role/" + role
			}
		case strings.HasPrefix(a.Resource, "federated-user/"):
			p.Type, p.UserName = "FederatedUser", a.Resource[len("federated-user/"):]
		}
	case "iam":
		switch {
		case a.Resource == "root":
			p.Type = "Root"
		case strings.HasPrefix(a.Resource, "user/"):
			p.Type, p.UserName = "IAMUser", a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
		case strings.HasPrefix(a.Resource, "role/"):
			p.Type, p.RoleARN, p.RoleName = "Role", s, a.Resource[strings.LastIndexByte(a.Resource, '/')+1:]
		}
	}
	return p
}

// RoleOfSession turns arn:aws:sts::A:assumed-role/R/S into
// arn:aws:iam::A:role/R; "" for anything else.
func RoleOfSession(s string) string {
	p := PrincipalOf(s)
	if p.Type != "AssumedRole" || p.Session == "" {
		return ""
	}
	return p.RoleARN
}

// SessionName is the role session name of an assumed-role ARN ("" for
// anything else).
func SessionName(s string) string {
	// Not through PrincipalOf, which builds the role's ARN.
	a, ok := Parse(s)
	if !ok || a.Service != "sts" {
		return ""
	}
	rest, ok := strings.CutPrefix(a.Resource, "assumed-role/")
	if !ok {
		return ""
	}
	_, session, _ := strings.Cut(rest, "/")
	return session
}

// GlueTable reads arn:aws:glue:region:account:table/db/table.
func GlueTable(s string) (db, table string) {
	a, ok := Parse(s)
	if !ok || a.Service != "glue" || !strings.HasPrefix(a.Resource, "table/") {
		return "", ""
	}
	db, table, _ = strings.Cut(a.Resource[len("table/"):], "/")
	return db, table
}

// S3Object reads arn:aws:s3:::bucket/key, or an s3://bucket/key URI.
func S3Object(s string) (bucket, key string) {
	if rest, ok := strings.CutPrefix(s, "s3://"); ok {
		bucket, key, _ = strings.Cut(rest, "/")
		return bucket, key
	}
	a, ok := Parse(s)
	if !ok || a.Service != "s3" || a.Region != "" || a.Account != "" {
		return "", ""
	}
	bucket, key, _ = strings.Cut(a.Resource, "/")
	return bucket, key
}

// SageMakerDomain is the domain id of arn:aws:sagemaker:region:account:domain/ID.
func SageMakerDomain(s string) string {
	a, ok := Parse(s)
	if !ok || a.Service != "sagemaker" {
		return ""
	}
	id, _ := strings.CutPrefix(a.Resource, "domain/")
	if id == a.Resource {
		return ""
	}
	return id
}

// Region is the region section of an ARN ("" when s is not one).
func Region(s string) string {
	a, _ := Parse(s)
	return a.Region
}

// IsAccountID reports whether s is an AWS account id: 12 digits.
func IsAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
