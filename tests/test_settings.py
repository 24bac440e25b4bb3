import pytest

from bot.settings import SettingsError, from_env, yaml_environment

STRONG = "s" * 32


def test_development_defaults_need_no_configuration(tmp_path):
    s = from_env({"APP_VAR_DIR": str(tmp_path)}).check()
    assert s.is_development
    assert s.database_url_or_default == f"sqlite:///{tmp_path / 'app.db'}"
    assert s.max_message_chars == 1000


@pytest.mark.parametrize("placeholder", ["", "changeme", "secret", "short"])
def test_production_refuses_placeholder_secrets(placeholder):
    env = {
        "APP_ENV": "production",
        "RASA_TOKEN": placeholder,
        "CONSOLE_SECRET_KEY": STRONG,
        "WIDGET_SECRET": STRONG,
        "DATA_ENCRYPTION_KEYS": STRONG,
        "DATABASE_URL": "postgresql://db/cryo",
    }
    with pytest.raises(SettingsError, match="RASA_TOKEN"):
        from_env(env).check()


def test_production_accepts_real_secrets():
    env = {
        "APP_ENV": "production",
        "RASA_TOKEN": STRONG,
        "CONSOLE_SECRET_KEY": STRONG,
        "WIDGET_SECRET": STRONG,
        "DATA_ENCRYPTION_KEYS": f"{STRONG},{'k' * 44}",
        "DATABASE_URL": "postgresql://db/cryo",
    }
    s = from_env(env).check()
    assert len(s.encryption_keys) == 2


def test_every_variable_the_yaml_files_use_has_a_value():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    used = set()
    for name in ("endpoints.yml", "credentials.yml"):
        used |= set(re.findall(r"^[^#]*\$\{(\w+)\}", (root / name).read_text(), re.M))
    provided = yaml_environment(from_env({}))
    assert used <= set(provided), used - set(provided)
    assert all(provided[name] for name in used)
