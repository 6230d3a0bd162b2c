"""The course hub's JupyterHub configuration. Started by deploy/hub/hubctl.py (`make hub`), as root.

Its settings (paths, ports, roster) come from the hub's hub.json, named by $UCMSC_HUB_SETTINGS.
Log in with a machine account (PAM); each user's JupyterLab runs as that account
(LocalProcessSpawner) from the course environment.
"""

import json
import os
import pathlib
import pwd
import shutil

c = get_config()  # noqa: F821 (JupyterHub provides get_config)

settings = json.loads(pathlib.Path(os.environ["UCMSC_HUB_SETTINGS"]).read_text())
opt, state = pathlib.Path(settings["opt"]), pathlib.Path(settings["state"])

# Local addresses only: put a TLS-terminating web server in front to open it to a class.
c.JupyterHub.bind_url = f"http://127.0.0.1:{settings['port']}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [str(opt / "proxy/node_modules/.bin/configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(state / "hub/jupyterhub-proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{state / 'hub/jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "hub/jupyterhub_cookie_secret")
# Stopping the hub stops the servers and the proxy it started (`make hub-stop`); files stay.
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# Accounts: the roster's, with the machine's passwords (PAM).
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {settings["instructor"], *settings["students"]}
# No hub admin: an admin could open every student's server. Accounts are managed with the roster.
c.Authenticator.admin_users = set()

# Each user's JupyterLab, as that account, from the course environment.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(opt / "venv/bin/jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "PATH": f"{opt / 'venv/bin'}:/usr/local/bin:/usr/bin:/bin",
    "VIRTUAL_ENV": str(opt / "venv"),
    "LANG": "C.UTF-8",
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}

LESSONS = opt / "repo/notebooks"


def prepare(spawner):
    """Before each start: the role's configuration; at the first, the lessons into ~/lessons."""
    # nbgrader's exchange and course id for everyone; the formgrader for the instructor only.
    role = "jupyter-instructor" if spawner.user.name == settings["instructor"] else "jupyter"
    spawner.environment["JUPYTER_CONFIG_PATH"] = str(state / "etc" / role)
    user = pwd.getpwnam(spawner.user.name)
    target = pathlib.Path(user.pw_dir) / "lessons"
    if target.exists():  # theirs to edit: never overwritten
        return
    target.mkdir()
    for lesson in sorted(LESSONS.glob("*.ipynb")):
        shutil.copy(lesson, target / lesson.name)
    for path in (target, *target.iterdir()):
        os.chown(path, user.pw_uid, user.pw_gid)


c.Spawner.pre_spawn_hook = prepare
