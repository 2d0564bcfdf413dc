// Lints template.yaml with cfn-lint from npm (martysweet/cfn-lint, the
// CloudFormation linter the npm registry serves; `npm ci --prefix infra`
// installs the pinned versions). Two of its data files predate resources
// and properties the template uses, so before it loads:
//
//  - its CloudFormation resource specification (version 2.29, 2020) is
//    replaced by the one @aws-cdk/cfnspec ships (version 117, 2023), which
//    knows AWS::LakeFormation::PrincipalPermissions, S3 OwnershipControls,
//    EventBridgeConfiguration, BucketKeyEnabled, rule target retry policies;
//  - its SAM specification gets the AWS::Serverless::Function properties
//    SAM added since, typed as the SAM documentation types them
//    (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html,
//    …/sam-property-function-sqs.html).
//
// Usage: node infra/lint.js [template]   (exit status 1 on any error)
"use strict";
const path = require("path");

const specPath = require.resolve("cfn-lint/data/aws_resources_specification.json");
require.cache[specPath] = {
  id: specPath, filename: specPath, loaded: true,
  exports: require("@aws-cdk/cfnspec/spec/specification.json"),
};

const sam = require("cfn-lint/data/sam_20161031_cfn.json");
const fn = sam.ResourceTypes["AWS::Serverless::Function"].Properties;
const prop = (extra) => Object.assign({ Required: false, UpdateType: "Mutable" }, extra);
fn.Architectures = prop({ Type: "List", PrimitiveItemType: "String" });
fn.EphemeralStorage = prop({ Type: "EphemeralStorage" });
fn.EventInvokeConfig = prop({ PrimitiveType: "Json" });
sam.PropertyTypes["AWS::Serverless::Function.EphemeralStorage"] = {
  Properties: { Size: prop({ Required: true, PrimitiveType: "Integer" }) },
};
const sqs = sam.PropertyTypes["AWS::Serverless::Function.SQSEvent"].Properties;
sqs.FunctionResponseTypes = prop({ Type: "List", PrimitiveItemType: "String" });
sqs.MaximumBatchingWindowInSeconds = prop({ PrimitiveType: "Integer" });

const api = require("cfn-lint/lib/api");
const file = process.argv[2] || path.join(__dirname, "template.yaml");
const res = api.validateFile(file, { guessParameters: undefined });
for (const level of ["crit", "warn", "info"]) {
  for (const e of res.errors[level]) {
    console.log(`${level}: ${e.resource}: ${e.message}`);
  }
}
console.log(`${file}: ${res.errors.crit.length} errors, ${res.errors.warn.length} warnings`);
process.exit(res.templateValid && res.errors.crit.length === 0 ? 0 : 1);
