#!/usr/bin/env python3
"""A synthetic repository of infrastructure and ML-pipeline files for scripts/bench.sh's
whole-repository comparison (annexa check DIR against checkov -d DIR).

    gen_repo.py DIR [--files 5000] [--seed 14]

Writes FILES files in the formats of tests/corpus/real/, in equal shares: Kubernetes manifests
(Deployments with a pod security context, a Secret and a ServiceAccount, as the KServe files),
CloudFormation templates (an S3 bucket, a SageMaker notebook, an IAM role, as the checkov
fixture), Terraform plans (`terraform show -json` of an S3 bucket with or without SSE), IAM policy
documents, MLflow `MLmodel` files and DVC `dvc.yaml` + `dvc.lock` pairs. Values vary with a fixed
seed (same arguments, same bytes), so some files pass every check and some fail.
"""
import argparse
import json
import os
import random

import yaml

REGIONS = ["eu-west-1", "eu-central-1", "us-east-1", "us-east-2", "ap-south-1"]


def kubernetes(i, r):
    secure = r.random() < 0.6
    container = {
        "name": "server",
        "image": f"registry.example.com/team-{i % 40}/model-server:{'1.%d.%d' % (i % 9, i % 7) if secure else 'latest'}",
        "ports": [{"containerPort": 8080, "protocol": "TCP"}],
        "resources": {
            "requests": {"cpu": "500m", "memory": "1Gi"},
            "limits": {"cpu": "1", "memory": "2Gi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": not secure,
            "privileged": False,
            "runAsNonRoot": secure,
            "readOnlyRootFilesystem": secure,
            "capabilities": {"drop": ["ALL"]} if secure else {"add": ["NET_ADMIN"]},
        },
    }
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"model-{i}", "namespace": f"ml-{i % 12}", "labels": {"app": f"model-{i}"}},
        "spec": {
            "replicas": 1 + i % 3,
            "selector": {"matchLabels": {"app": f"model-{i}"}},
            "template": {
                "metadata": {"labels": {"app": f"model-{i}"}},
                "spec": {
                    "serviceAccountName": f"sa-{i}",
                    "automountServiceAccountToken": not secure,
                    "securityContext": {"runAsUser": 65534 if secure else 0, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [container],
                },
            },
        },
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": f"s3-{i}", "annotations": {"serving.kserve.io/s3-endpoint": "s3.amazonaws.com", "serving.kserve.io/s3-usehttps": "1" if secure else "0", "serving.kserve.io/s3-region": r.choice(REGIONS)}},
        "type": "Opaque",
        "data": {"AWS_ACCESS_KEY_ID": "bWluaW8=", "AWS_SECRET_ACCESS_KEY": "bWluaW8xMjM="},
    }
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": f"sa-{i}"}, "secrets": [{"name": f"s3-{i}"}]}
    return f"k8s/serving-{i}.yaml", yaml.safe_dump_all([deployment, secret, account], sort_keys=False)


def cloudformation(i, r):
    encrypted = r.random() < 0.6
    bucket = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": f"ml-data-{i}", "VersioningConfiguration": {"Status": "Enabled" if encrypted else "Suspended"}}}
    if encrypted:
        bucket["Properties"]["BucketEncryption"] = {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": f"alias/ml-{i}"}}]}
        bucket["Properties"]["PublicAccessBlockConfiguration"] = {"BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    notebook = {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {"InstanceType": "ml.t2.large", "RoleArn": {"Fn::GetAtt": ["Role", "Arn"]}}}
    if encrypted:
        notebook["Properties"]["KmsKeyId"] = f"alias/ml-{i}"
        notebook["Properties"]["DirectInternetAccess"] = "Disabled"
    role = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": ["sagemaker.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]},
            "Policies": [{"PolicyName": f"notebook-{i}", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject" if encrypted else "*", "Resource": f"arn:aws:s3:::ml-data-{i}/*" if encrypted else "*"}]}}],
        },
    }
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Description": f"ML workspace {i}", "Resources": {"Bucket": bucket, "Notebook": notebook, "Role": role}}
    return f"cloudformation/workspace-{i}.yaml", yaml.safe_dump(template, sort_keys=False)


def terraform_plan(i, r):
    sse = r.random() < 0.6
    values = {
        "bucket": f"tf-ml-{i}",
        "force_destroy": False,
        "acl": "private" if sse else "public-read",
        "versioning": [{"enabled": sse, "mfa_delete": False}],
        "logging": [],
        "server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms", "kms_master_key_id": f"arn:aws:kms:eu-west-1:123456789012:key/{i}"}], "bucket_key_enabled": True}]}] if sse else [],
        "tags": {"team": f"team-{i % 40}"},
    }
    resource = {"address": "aws_s3_bucket.data", "mode": "managed", "type": "aws_s3_bucket", "name": "data", "provider_name": "registry.terraform.io/hashicorp/aws", "schema_version": 0, "values": values, "sensitive_values": {}}
    plan = {
        "format_version": "1.1",
        "terraform_version": "1.3.9",
        "planned_values": {"root_module": {"resources": [resource]}},
        "resource_changes": [{"address": "aws_s3_bucket.data", "mode": "managed", "type": "aws_s3_bucket", "name": "data", "provider_name": "registry.terraform.io/hashicorp/aws", "change": {"actions": ["create"], "before": None, "after": values, "after_unknown": {"id": True, "arn": True}}}],
        "configuration": {"provider_config": {"aws": {"name": "aws", "expressions": {"region": {"constant_value": r.choice(REGIONS)}}}}, "root_module": {"resources": [{"address": "aws_s3_bucket.data", "mode": "managed", "type": "aws_s3_bucket", "name": "data", "provider_config_key": "aws", "expressions": {"bucket": {"constant_value": f"tf-ml-{i}"}}, "schema_version": 0}]}},
    }
    return f"terraform/plan-{i}.json", json.dumps(plan, indent=2) + "\n"


def iam(i, r):
    wildcard = r.random() < 0.3
    statements = [{"Sid": "ReadData", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [f"arn:aws:s3:::ml-data-{i}", f"arn:aws:s3:::ml-data-{i}/*"]}]
    if wildcard:
        statements.append({"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"})
    return f"iam/policy-{i}.json", json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2) + "\n"


def mlflow(i, r):
    model = {
        "artifact_path": "model",
        "flavors": {
            "python_function": {"env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"}, "loader_module": "mlflow.sklearn", "model_path": "model.pkl", "predict_fn": "predict", "python_version": "3.10.16"},
            "sklearn": {"code": None, "pickled_model": "model.pkl", "serialization_format": r.choice(["cloudpickle", "pickle", "skops"]), "sklearn_version": "1.5.2"},
        },
        "mlflow_version": r.choice(["1.30.1", "2.12.1", "2.17.0"]),
        "model_uuid": "%032x" % r.getrandbits(128),
        "run_id": "%032x" % r.getrandbits(128),
        "utc_time_created": "2024-10-%02d 07:39:02.032550" % (1 + i % 28),
    }
    return f"mlflow/model-{i}/MLmodel", yaml.safe_dump(model, sort_keys=False)


def dvc(i, r):
    stages = {
        "prepare": {"cmd": f"python src/prepare.py data/raw-{i}.csv", "deps": [f"data/raw-{i}.csv", "src/prepare.py"], "outs": [f"data/prepared-{i}"]},
        "train": {"cmd": "python src/train.py", "deps": [f"data/prepared-{i}", "src/train.py"], "params": ["train.seed", "train.epochs"], "outs": [{"model.pkl": {"cache": True, "persist": r.random() < 0.5}}], "metrics": [{"metrics.json": {"cache": False}}]},
    }
    lock = {"schema": "2.0", "stages": {name: {"cmd": s["cmd"], "deps": [{"path": d if isinstance(d, str) else next(iter(d)), "md5": "%032x" % r.getrandbits(128), "size": r.randrange(10**3, 10**8)} for d in s["deps"]]} for name, s in stages.items()}}
    return [(f"dvc/project-{i}/dvc.yaml", yaml.safe_dump({"stages": stages}, sort_keys=False)), (f"dvc/project-{i}/dvc.lock", yaml.safe_dump(lock, sort_keys=False))]


KINDS = [kubernetes, cloudformation, terraform_plan, iam, mlflow, dvc]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    r = random.Random(args.seed)
    written = 0
    i = 0
    while written < args.files:
        out = KINDS[i % len(KINDS)](i, r)
        for path, text in out if isinstance(out, list) else [out]:
            if written >= args.files:
                break
            full = os.path.join(args.dir, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            written += 1
        i += 1
    print(written)


if __name__ == "__main__":
    main()
