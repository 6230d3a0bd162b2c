"""deploy/kubernetes/, checked as far as a machine without a cluster allows.

Every YAML parses and passes yamllint; the chart's values pass the schema of the keys the course
uses (deploy/kubernetes/values.schema.json, written from the chart's documented values: no schema
of the chart can be had offline); the course's own manifests and every Kubernetes object inside the
values (containers, volumes, environment, network rules, the instructors' security context) pass
the Kubernetes API's own schemas (kubernetes-validate, offline, strict: an unknown field fails);
the hub's Python runs against fake spawners; the single-user settings are the one-machine hub's.
Nothing here installs the chart or builds the image: book/instructor_guide.md says what was not
exercised.
"""

import copy
import csv
import importlib.util
import json
import pathlib
import subprocess
import types

import jsonschema
import kubernetes_validate
import pytest
import yaml
from traitlets.config import Config
from yamllint import linter
from yamllint.config import YamlLintConfig

ROOT = pathlib.Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "kubernetes"
KUBERNETES = "1.30.0"  # the oldest Kubernetes the chart 4.4.0 supports is 1.28; 1.30 has appArmorProfile
YAMLS = sorted(p for p in K8S.iterdir() if p.suffix in (".yaml", ".yml"))
VALUES = yaml.safe_load((K8S / "values.yaml").read_text())
SCHEMA = json.loads((K8S / "values.schema.json").read_text())


def hubctl():
    spec = importlib.util.spec_from_file_location("hubctl", ROOT / "deploy" / "hub" / "hubctl.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def k8s_errors(manifest):
    try:
        kubernetes_validate.validate(manifest, KUBERNETES, strict=True)
    except kubernetes_validate.ValidationError as error:
        return str(error)
    return None


@pytest.mark.parametrize("path", YAMLS, ids=lambda p: p.name)
def test_yaml_parses_and_passes_yamllint(path):
    assert list(yaml.safe_load_all(path.read_text())), path
    conf = YamlLintConfig(file=str(K8S / ".yamllint.yaml"))
    problems = [f"{p.line}:{p.column} {p.message} ({p.rule})" for p in linter.run(path.read_text(), conf)]
    assert problems == [], problems


def test_yamllint_catches_a_problem():
    conf = YamlLintConfig(file=str(K8S / ".yamllint.yaml"))
    assert list(linter.run("a: 1\na: 2\n", conf)), "duplicate keys must be reported"


def test_values_pass_the_schema_of_the_keys_used():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    errors = [f"{list(e.path)}: {e.message}" for e in jsonschema.Draft7Validator(SCHEMA).iter_errors(VALUES)]
    assert errors == []


@pytest.mark.parametrize("change", ["singleuser.memroy", "hub.db.type", "cull.timeout"])
def test_the_schema_refuses_a_mistake(change):
    values = copy.deepcopy(VALUES)
    if change == "singleuser.memroy":
        values["singleuser"]["memroy"] = values["singleuser"].pop("memory")
    elif change == "hub.db.type":
        values["hub"]["db"]["type"] = "postgresql"
    else:
        values["cull"]["timeout"] = "1h"
    assert list(jsonschema.Draft7Validator(SCHEMA).iter_errors(values)), change


@pytest.mark.parametrize("index", range(len(list(yaml.safe_load_all((K8S / "course.yaml").read_text())))))
def test_course_manifests_pass_the_kubernetes_schemas(index):
    manifest = list(yaml.safe_load_all((K8S / "course.yaml").read_text()))[index]
    assert k8s_errors(manifest) is None, k8s_errors(manifest)


def test_the_kubernetes_schemas_refuse_a_mistake():
    manifest = next(m for m in yaml.safe_load_all((K8S / "course.yaml").read_text()) if m["kind"] == "StatefulSet")
    manifest["spec"]["template"]["spec"]["containers"][0]["resource"] = {}  # resources, misspelt
    assert k8s_errors(manifest) is not None


def run_hub_config(monkeypatch):
    """hub.extraConfig run as z2jh runs it (with ``c``), the roster being roster.example.csv."""
    monkeypatch.setenv("UCMSC_ROSTER", str(K8S / "roster.example.csv"))
    monkeypatch.setenv("UCMSC_GRADEBOOK_URL", "postgresql+psycopg2://gradebook:secret@ucmsc-postgres:5432/gradebook")
    c = Config()
    for name, source in sorted(VALUES["hub"]["extraConfig"].items()):
        exec(compile(source, f"hub.extraConfig.{name}", "exec"), {"c": c})
    return c


def spawner(name):
    """What the pre-spawn hook reads and sets of a KubeSpawner, as z2jh configures one (volumes as a dict)."""
    return types.SimpleNamespace(user=types.SimpleNamespace(name=name), environment={}, extra_labels={},
                                 volumes={"home": {"name": "home"}}, volume_mounts=[{"name": "home"}],
                                 extra_container_config={}, uid=None, gid=None, fs_gid=None,
                                 cpu_guarantee=None, cpu_limit=None, mem_guarantee=None, mem_limit=None)


def test_the_hub_gives_each_account_its_own_id_and_instructors_the_grader(monkeypatch):
    c = run_hub_config(monkeypatch)
    with open(K8S / "roster.example.csv", newline="") as f:
        roster = list(csv.DictReader(f))
    assert c.Authenticator.allowed_users == {row["username"] for row in roster}
    hook = c.KubeSpawner.pre_spawn_hook
    uids = set()
    for row in roster:
        s = spawner(row["username"])
        hook(s)
        uids.add(s.uid)
        assert s.uid == int(row["uid"]) and s.gid == s.fs_gid == 100
        if row["role"] == "student":
            assert s.environment == {"JUPYTER_CONFIG_PATH": "/etc/ucmsc/jupyter"}
            assert s.cpu_limit is None and s.extra_container_config == {} and "course" not in s.volumes
        else:
            assert s.environment["JUPYTER_CONFIG_PATH"] == "/etc/ucmsc/jupyter-instructor"
            assert s.environment["UCMSC_GRADEBOOK_URL"].startswith("postgresql+psycopg2://")
            assert s.extra_labels == {"ucmsc/role": "instructor"}
            assert set(s.volumes) == {"home", "course"} and s.volume_mounts[-1]["name"] == "course"
            # The instructor's pod, as KubeSpawner would write it, passes the Kubernetes schema.
            pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "jupyter-instructor"},
                   "spec": {"volumes": list(s.volumes.values())[1:],
                            "containers": [{"name": "notebook", "image": "ucmsc-course",
                                            "volumeMounts": s.volume_mounts[1:],
                                            **s.extra_container_config}]}}
            assert k8s_errors(pod) is None, k8s_errors(pod)
    assert len(uids) == len(roster), "two accounts share a user id"
    with pytest.raises(ValueError, match="not on the course's roster"):
        hook(spawner("stranger@example.org"))
    listed = spawner("student001@example.org")
    listed.volumes, listed.volume_mounts = [], []  # KubeSpawner also takes lists
    hook(listed)
    assert listed.volumes == [] and listed.uid == 20001


def test_kubernetes_objects_inside_the_values_pass_the_kubernetes_schemas():
    single = VALUES["singleuser"]
    env = [{"name": k, **v} for k, v in VALUES["hub"]["extraEnv"].items()]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "check"},
           "spec": {"initContainers": single["initContainers"],
                    "volumes": single["storage"]["extraVolumes"] + VALUES["hub"]["extraVolumes"],
                    "containers": [{"name": "notebook", "image": "ucmsc-course", "env": env,
                                    "volumeMounts": single["storage"]["extraVolumeMounts"],
                                    "resources": {"requests": {"memory": single["memory"]["guarantee"],
                                                               "cpu": str(single["cpu"]["guarantee"])},
                                                  "limits": {"memory": single["memory"]["limit"],
                                                             "cpu": str(single["cpu"]["limit"])}}},
                                   {"name": "hub", "image": "hub", "volumeMounts": VALUES["hub"]["extraVolumeMounts"],
                                    "resources": VALUES["hub"]["resources"]}]}}
    assert k8s_errors(pod) is None, k8s_errors(pod)
    for part in ("hub", "singleuser"):
        rules = VALUES[part]["networkPolicy"]["egress"]
        policy = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": part},
                  "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": rules}}
        assert k8s_errors(policy) is None, k8s_errors(policy)
    # Each user pod mounts what it names.
    volumes = {v["name"] for v in single["storage"]["extraVolumes"]}
    assert {m["name"] for m in single["storage"]["extraVolumeMounts"]} <= volumes
    assert {m["name"] for c in single["initContainers"] for m in c["volumeMounts"]} <= volumes


def test_single_user_settings_are_the_one_machine_hubs():
    hub = hubctl()
    files = VALUES["singleuser"]["extraFiles"]
    for key, role in (("nbgrader-students", "student"), ("nbgrader-instructors", "instructor")):
        c = Config()
        env = {"UCMSC_GRADEBOOK_URL": "postgresql+psycopg2://x@y/gradebook"} if role == "instructor" else {}
        source = files[key]["stringData"]
        if env:
            source = source.replace('os.environ["UCMSC_GRADEBOOK_URL"]', repr(env["UCMSC_GRADEBOOK_URL"]))
        exec(compile(source, key, "exec"), {"get_config": lambda c=c: c})
        assert c.CourseDirectory.course_id == hub.COURSE_ID
        assert c.Exchange.root == "/srv/nbgrader/exchange" and c.Exchange.path_includes_course is True
        if role == "instructor":
            assert c.ExchangeFactory.collect == "coursegrader.exchange.OwnerCheckedCollect"
            assert c.CourseDirectory.root == "/home/jovyan/course"
    server = files["server-students"]["data"]["ServerApp"]["jpserver_extensions"]
    assert server == {name: False for name in hub.INSTRUCTOR_SERVER_EXTENSIONS}
    assert files["lab-students"]["data"]["disabledExtensions"] == {p: True for p in hub.INSTRUCTOR_LAB_PLUGINS}
    mounts = {f["mountPath"] for f in files.values()}
    assert {"/etc/ucmsc/jupyter/nbgrader_config.py", "/etc/ucmsc/jupyter-instructor/nbgrader_config.py"} <= mounts


def test_the_image_is_built_from_the_repositorys_requirements():
    dockerfile = (K8S / "Dockerfile").read_text()
    assert "pip install --no-cache-dir -r requirements.txt -r deploy/hub/requirements-hub.txt" in dockerfile
    assert "lock-overrides.txt" in dockerfile and "bubblewrap" in dockerfile
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            *sources, _ = line.split()[1:]
            for source in sources:
                # book/_vendor is fetched at build time of the website (make book-vendor), not committed.
                assert (ROOT / source).exists() or source == "book/_vendor", source
    jupyterhub = next(line for line in (ROOT / "deploy/hub/requirements-hub.txt").read_text().splitlines()
                      if line.startswith("jupyterhub=="))
    assert jupyterhub.startswith("jupyterhub==5.5."), "the single-user server follows the chart's hub (5.5)"
    assert subprocess.run(["sh", "-n", str(K8S / "start.sh")]).returncode == 0
    header = (K8S / "roster.example.csv").read_text().splitlines()[0]
    assert header == "username,role,uid" and "_role uid" in (K8S / "start.sh").read_text()
