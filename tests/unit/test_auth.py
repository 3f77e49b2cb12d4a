import pytest
from docsafe.auth import KeyStore, generate_key, hash_key, key_from_headers

from tests.support.stack import table_from_template


@pytest.fixture
def keys(aws: None) -> KeyStore:
    table = table_from_template("KeysTable")
    return KeyStore(table)


def test_keys_are_random_and_long() -> None:
    generated = {generate_key() for _ in range(100)}
    assert len(generated) == 100
    assert all(len(key) >= 40 for key in generated)


def test_only_the_hash_of_a_key_is_stored(keys: KeyStore) -> None:
    key, record = keys.create("acme")
    items = keys._table.scan()["Items"]
    assert key not in str(items)
    assert items[0]["keyHash"] == hash_key(key)
    assert keys.tenant_for(key) == "acme" and record.tenant == "acme"


def test_unknown_and_revoked_keys_have_no_tenant(keys: KeyStore) -> None:
    key, record = keys.create("acme")
    assert keys.tenant_for("something else") is None
    assert keys.tenant_for(None) is None
    assert keys.revoke(record.key_id) is True
    assert keys.tenant_for(key) is None
    assert [r.revoked for r in keys.list()] == [True]
    assert keys.revoke("000000000000") is False


def test_tenant_ids_are_checked(keys: KeyStore) -> None:
    with pytest.raises(ValueError, match="tenant"):
        keys.create("Not A Tenant!")


def test_either_header_carries_the_key() -> None:
    assert key_from_headers({"Ocp-Apim-Subscription-Key": "a"}) == "a"
    assert key_from_headers({"x-api-key": " b "}) == "b"
    assert key_from_headers({}) is None


def test_a_deleted_key_leaves_no_item_and_works_no_more(keys: KeyStore) -> None:
    key, _ = keys.create("acme")
    other, _ = keys.create("other")
    assert keys.delete(key) is True
    assert keys.tenant_for(key) is None
    assert [item["tenant"] for item in keys._table.scan()["Items"]] == ["other"]
    assert keys.tenant_for(other) == "other"
    assert keys.delete(key) is False
