package arns

import "testing"

func TestPrincipalOf(t *testing.T) {
	for s, want := range map[string]Principal{
		"arn:aws:sts::111122223333:assumed-role/SageMakerStudioExecutionRole_david/SageMaker": {Type: "AssumedRole", Account: "111122223333",
			RoleARN: "arn:aws:iam::111122223333:role/SageMakerStudioExecutionRole_david", RoleName: "SageMakerStudioExecutionRole_david", Session: "SageMaker"},
		"arn:aws-us-gov:sts::1:assumed-role/R/AWSLF-00-AT-1-abc": {Type: "AssumedRole", Account: "1", RoleARN: "arn:aws-us-gov:iam::1:role/R", RoleName: "R", Session: "AWSLF-00-AT-1-abc"},
		"arn:aws:iam::1:role/service-role/path/R":                {Type: "Role", Account: "1", RoleARN: "arn:aws:iam::1:role/service-role/path/R", RoleName: "R"},
		"arn:aws:iam::1:user/dept/alice":                         {Type: "IAMUser", Account: "1", UserName: "alice"},
		"arn:aws:iam::1:root":                                    {Type: "Root", Account: "1"},
		"arn:aws:sts::1:federated-user/bob":                      {Type: "FederatedUser", Account: "1", UserName: "bob"},
		"arn:aws:s3:::bucket/key":                                {},
		"not an arn":                                             {},
		"arn:aws":                                                {},
		"":                                                       {},
	} {
		if got := PrincipalOf(s); got != want {
			t.Errorf("PrincipalOf(%q) = %+v, want %+v", s, got, want)
		}
	}
}

func TestResources(t *testing.T) {
	if db, tb := GlueTable("arn:aws:glue:us-east-1:1:table/tpc/dl_tpc_customer"); db != "tpc" || tb != "dl_tpc_customer" {
		t.Errorf("GlueTable = %q %q", db, tb)
	}
	if db, tb := GlueTable("arn:aws:glue:us-east-1:1:database/tpc"); db != "" || tb != "" {
		t.Errorf("GlueTable of a database = %q %q", db, tb)
	}
	for s, want := range map[string][2]string{
		"arn:aws:s3:::lake/raw/part-0.parquet": {"lake", "raw/part-0.parquet"},
		"arn:aws-cn:s3:::lake/k":               {"lake", "k"},
		"arn:aws:s3:::lake":                    {"lake", ""},
		"s3://lake/a/b":                        {"lake", "a/b"},
		"arn:aws:s3:us-east-1:1:accesspoint/x": {"", ""},
		"lake/k":                               {"", ""},
	} {
		if b, k := S3Object(s); [2]string{b, k} != want {
			t.Errorf("S3Object(%q) = %q %q, want %v", s, b, k, want)
		}
	}
	if id := SageMakerDomain("arn:aws:sagemaker:us-east-1:1:domain/d-a1b2c3"); id != "d-a1b2c3" {
		t.Errorf("SageMakerDomain = %q", id)
	}
	if id := SageMakerDomain("arn:aws:sagemaker:us-east-1:1:user-profile/d-a1b2c3/x"); id != "" {
		t.Errorf("SageMakerDomain of a profile = %q", id)
	}
	if r := RoleOfSession("arn:aws:sts::1:assumed-role/R/s"); r != "arn:aws:iam::1:role/R" {
		t.Errorf("RoleOfSession = %q", r)
	}
	if r := RoleOfSession("arn:aws:sts::1:assumed-role/R"); r != "" {
		t.Errorf("RoleOfSession without a session = %q", r)
	}
	if a, r := Account("arn:aws:iam::123:role/R"), Region("arn:aws:s3:eu-west-1:1:accesspoint/x"); a != "123" || r != "eu-west-1" {
		t.Errorf("Account %q Region %q", a, r)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("arn:aws:sts::1:assumed-role/R/s")
	f.Add("arn:aws:glue:r:1:table/d/t")
	f.Add("s3://b/k")
	f.Fuzz(func(t *testing.T, s string) {
		PrincipalOf(s)
		GlueTable(s)
		S3Object(s)
		SageMakerDomain(s)
		if a, ok := Parse(s); ok && "arn:"+a.Partition+":"+a.Service+":"+a.Region+":"+a.Account+":"+a.Resource != s {
			t.Fatalf("Parse(%q) = %+v does not give it back", s, a)
		}
	})
}

// Parse and SessionName run for every record: they allocate nothing.
func TestParseAllocatesNothing(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() {
		Parse("arn:aws:sts::111122223333:assumed-role/R/S")
		SessionName("arn:aws:sts::111122223333:assumed-role/R/S")
	}); n != 0 {
		t.Errorf("%v allocations a call", n)
	}
}
