"""Instances: every action with every client kind."""

import uuid

from support import action, envelope, is_id, now_ms, raises_rpc


@action("CreateInstance")
def test_create_instance(api, raw):
    token = f"sdk-{uuid.uuid4().hex}"
    body = api.call("CreateInstance", Description="made by an SDK", ClientToken=token)
    envelope(api, body)
    iid = body.instance_id if api.typed else body["InstanceId"]
    assert is_id("idaas_", iid)
    assert raw.rpc("GetInstance", InstanceId=iid)["Instance"]["Description"] == "made by an SDK"
    # ClientToken idempotency, through the SDK: the same id, nothing new.
    again = api.call("CreateInstance", Description="ignored", ClientToken=token)
    assert (again.instance_id if api.typed else again["InstanceId"]) == iid


@action("GetInstance")
def test_get_instance(api, raw, server):
    before = now_ms()
    iid = raw.instance("described")
    body = api.call("GetInstance", InstanceId=iid)
    envelope(api, body)
    if api.typed:
        i = body.instance
        assert i.instance_id == iid
        assert i.status == "running"
        assert i.description == "described"
        assert isinstance(i.create_time, int) and before - 5000 <= i.create_time <= now_ms() + 5000
        assert i.default_endpoint.endpoint == server.endpoint
        assert i.default_endpoint.status == "resolved"
        assert i.domain_config.default_domain == server.endpoint
        assert i.domain_config.init_domain == server.endpoint
        assert i.egress_addresses == []
        assert i.service_managed is False
    else:
        i = body["Instance"]
        assert i["InstanceId"] == iid
        assert i["Status"] == "running"
        assert i["Description"] == "described"
        assert isinstance(i["CreateTime"], int) and before - 5000 <= i["CreateTime"] <= now_ms() + 5000
        assert i["DefaultEndpoint"] == {"Endpoint": server.endpoint, "Status": "resolved"}
        assert i["DomainConfig"]["DefaultDomain"] == server.endpoint
        assert i["DomainConfig"]["InitDomain"] == server.endpoint
        assert i["EgressAddresses"] == []
        assert i["ServiceManaged"] is False


@action("ListInstances")
def test_list_instances(api, raw, server):
    a, b, c = raw.instance("a"), raw.instance("b"), raw.instance("c")
    # Order: CreateTime, then InstanceId (same-millisecond instances sort by id).
    order = sorted([a, b, c], key=lambda i: (raw.rpc("GetInstance", InstanceId=i)["Instance"]["CreateTime"], i))
    body = api.call("ListInstances", InstanceIds=[a, c])
    envelope(api, body)
    page = api.call("ListInstances", InstanceIds=[a, b, c], PageNumber=2, PageSize=2)
    if api.typed:
        assert body.total_count == 2
        assert [i.instance_id for i in body.instances] == [i for i in order if i != b]
        first = next(i for i in body.instances if i.instance_id == a)
        assert first.status == "running"
        assert first.description == "a"
        assert isinstance(first.create_time, int)
        assert first.default_endpoint.endpoint == server.endpoint
        assert first.service_managed is False
        assert page.total_count == 3
        assert [i.instance_id for i in page.instances] == order[2:]
    else:
        assert body["TotalCount"] == 2
        assert [i["InstanceId"] for i in body["Instances"]] == [i for i in order if i != b]
        first = next(i for i in body["Instances"] if i["InstanceId"] == a)
        assert first["Status"] == "running"
        assert first["Description"] == "a"
        assert isinstance(first["CreateTime"], int)
        assert first["DefaultEndpoint"]["Endpoint"] == server.endpoint
        assert first["ServiceManaged"] is False
        assert page["TotalCount"] == 3
        assert [i["InstanceId"] for i in page["Instances"]] == order[2:]


@action("DeleteInstance")
def test_delete_instance(api, raw):
    iid = raw.instance()
    app = raw.app(iid)
    envelope(api, api.call("DeleteInstance", InstanceId=iid))
    with raises_rpc(404, "ResourceNotFound.Instance"):
        raw.rpc("GetInstance", InstanceId=iid)
    with raises_rpc(404, "ResourceNotFound.Instance"):
        raw.get_app(iid, app)


@action("UpdateInstanceDescription")
def test_update_instance_description(api, raw):
    iid = raw.instance("before")
    envelope(api, api.call("UpdateInstanceDescription", InstanceId=iid, Description="after it"))
    assert raw.rpc("GetInstance", InstanceId=iid)["Instance"]["Description"] == "after it"
