import os
import stat

import pytest

from bot.settings import SettingsError, from_env, shell_environment, yaml_environment

STRONG = "s" * 32

#: Every secret production requires, strong.
PRODUCTION = {
    "APP_ENV": "production",
    "RASA_TOKEN": STRONG,
    "ACTION_SERVER_TOKEN": STRONG,
    "SENDER_ID_SECRET": STRONG,
    "CONSOLE_SECRET_KEY": STRONG,
    "WIDGET_SECRET": STRONG,
    "DATA_ENCRYPTION_KEYS": STRONG,
    "DATABASE_URL": "postgresql://db/cryo",
}


def test_development_defaults_need_no_configuration(tmp_path):
    s = from_env({"APP_VAR_DIR": str(tmp_path)}).check()
    assert s.is_development
    assert s.database_url_or_default == f"sqlite:///{tmp_path / 'app.db'}"
    assert s.max_message_chars == 1000


@pytest.mark.parametrize(
    "name", ["RASA_TOKEN", "ACTION_SERVER_TOKEN", "SENDER_ID_SECRET", "WIDGET_SECRET"]
)
@pytest.mark.parametrize("placeholder", ["", "changeme", "secret", "short"])
def test_production_refuses_placeholder_secrets(name, placeholder):
    with pytest.raises(SettingsError, match=name):
        from_env({**PRODUCTION, name: placeholder}).check()


def test_production_accepts_real_secrets():
    s = from_env({**PRODUCTION, "DATA_ENCRYPTION_KEYS": f"{STRONG},{'k' * 44}"})
    assert len(s.check().encryption_keys) == 2
    # Without REST_TOKEN the REST channel is simply off; a weak one is refused.
    assert s.rest_token == ""
    with pytest.raises(SettingsError, match="REST_TOKEN"):
        from_env({**PRODUCTION, "REST_TOKEN": "changeme"}).check()


def test_production_never_invents_a_secret(tmp_path):
    s = from_env({**PRODUCTION, "APP_VAR_DIR": str(tmp_path)})
    getters = {
        "RASA_TOKEN": "rasa_api_token",
        "ACTION_SERVER_TOKEN": "action_token",
        "SENDER_ID_SECRET": "sender_secret",
    }
    for name, getter in getters.items():
        broken = from_env({**PRODUCTION, name: "", "APP_VAR_DIR": str(tmp_path)})
        with pytest.raises(SettingsError, match=name):
            getattr(broken, getter)()
    assert s.rasa_api_token() == STRONG and s.sender_secret() == STRONG.encode()
    assert list(tmp_path.iterdir()) == []


def test_development_secrets_are_generated_once_and_private(tmp_path):
    s = from_env({"APP_VAR_DIR": str(tmp_path / "var")})
    first = (s.rasa_api_token(), s.action_token(), s.sender_secret())
    again = from_env({"APP_VAR_DIR": str(tmp_path / "var")})
    assert (
        again.rasa_api_token(),
        again.action_token(),
        again.sender_secret(),
    ) == first
    assert len({first[0], first[1], first[2].decode()}) == 3
    for path in (tmp_path / "var").iterdir():
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path
    assert stat.S_IMODE(os.stat(tmp_path / "var").st_mode) == 0o700


def test_servers_listen_on_loopback_unless_configured():
    s = from_env({})
    assert (s.rasa_host, s.action_server_host, s.console_host) == ("127.0.0.1",) * 3
    deployed = from_env({"RASA_HOST": "0.0.0.0", "ACTION_SERVER_HOST": "10.0.0.5"})
    assert (deployed.rasa_host, deployed.action_server_host) == ("0.0.0.0", "10.0.0.5")


def test_every_variable_the_yaml_files_use_has_a_value(tmp_path):
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    used = set()
    for name in ("endpoints.yml", "credentials.yml"):
        used |= set(re.findall(r"^[^#]*\$\{(\w+)\}", (root / name).read_text(), re.M))
    provided = yaml_environment(from_env({"APP_VAR_DIR": str(tmp_path)}))
    assert used <= set(provided), used - set(provided)
    assert all(provided[name] for name in used)


def test_run_sh_gets_the_tokens_and_interfaces(tmp_path):
    exported = shell_environment(from_env({"APP_VAR_DIR": str(tmp_path)}))
    assert exported["RASA_HOST"] == exported["ACTION_SERVER_HOST"] == "127.0.0.1"
    assert len(exported["RASA_TOKEN"]) == 64
    assert exported["ACTION_SERVER_TOKEN"] != exported["RASA_TOKEN"]
