"""The MTConnect agent's response documents, in the standard's XML (version 2.4):
MTConnectDevices for /probe, MTConnectStreams for /current and /sample, MTConnectError for a
request it refuses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from testbed.live.mtconnect import UNAVAILABLE, Agent, Device, Observation

VERSION = "2.4"
SENDER = "interop-testbed"
_CONDITION_ELEMENTS = {"NORMAL": "Normal", "FAULT": "Fault", "WARNING": "Warning",
                       UNAVAILABLE: "Unavailable"}
_GROUPS = {"SAMPLE": "Samples", "EVENT": "Events", "CONDITION": "Condition"}

Stamp = Callable[[float], datetime]  # simulated seconds to a date (SimClock.timestamp)


def _ns(document: str) -> str:
    return f"urn:mtconnect.org:{document}:{VERSION}"


def _time(when: datetime) -> str:
    """xs:dateTime in UTC to the microsecond, as agents write it."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _header(root: ET.Element, agent: Agent, started: datetime) -> ET.Element:
    return ET.SubElement(root, "Header", {
        "creationTime": _time(datetime.now(UTC)), "sender": SENDER,
        "instanceId": str(agent.instance_id), "version": f"{VERSION}.0.0",
        "deviceModelChangeTime": _time(started), "bufferSize": str(agent.buffer_size)})


def _document(root: ET.Element, ns: str) -> bytes:
    # The namespace as a plain xmlns attribute: ElementTree's own default_namespace refuses
    # unqualified attribute names, which is what MTConnect's attributes are.
    root.set("xmlns", ns)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def probe(agent: Agent, devices: Iterable[Device], started: datetime) -> bytes:
    ns = _ns("MTConnectDevices")
    root = ET.Element("MTConnectDevices")
    header = _header(root, agent, started)
    # No assets are kept; the schema wants a buffer of at least one.
    header.attrib.update(assetBufferSize="1", assetCount="0")
    listing = ET.SubElement(root, "Devices")
    for device in devices:
        element = ET.SubElement(listing, "Device",
                                {"id": device.id, "name": device.name, "uuid": device.uuid})
        items = ET.SubElement(element, "DataItems")
        for item in device.data_items:
            attributes = {"category": item.category, "id": item.id, "type": item.type}
            if item.units is not None:
                attributes.update(units=item.units, nativeUnits=item.units)
            ET.SubElement(items, "DataItem", attributes)
    return _document(root, ns)


def streams(agent: Agent, devices: Iterable[Device], observations: Iterable[Observation],
            next_sequence: int, started: datetime, stamp: Stamp) -> bytes:
    """An MTConnectStreams document of ``observations`` (in sequence order) for ``devices``;
    ``next_sequence`` is where the client goes on from."""
    ns = _ns("MTConnectStreams")
    root = ET.Element("MTConnectStreams")
    header = _header(root, agent, started)
    header.attrib.update(firstSequence=str(agent.first_sequence),
                         lastSequence=str(agent.last_sequence),
                         nextSequence=str(next_sequence))
    by_item: dict[str, list[Observation]] = {}
    for observation in observations:
        by_item.setdefault(observation.item.id, []).append(observation)
    listing = ET.SubElement(root, "Streams")
    for device in devices:
        stream = ET.SubElement(listing, "DeviceStream",
                               {"name": device.name, "uuid": device.uuid})
        groups: dict[str, list[Observation]] = {}
        for item in device.data_items:
            groups.setdefault(item.category, []).extend(by_item.get(item.id, []))
        if not any(groups.values()):
            continue
        component = ET.SubElement(stream, "ComponentStream",
                                  {"component": "Device", "componentId": device.id,
                                   "name": device.name})
        for category, found in groups.items():
            if found:
                group = ET.SubElement(component, _GROUPS[category])
                for observation in sorted(found, key=lambda o: o.sequence):
                    _observation(group, observation, stamp)
    return _document(root, ns)


def _observation(group: ET.Element, observation: Observation, stamp: Stamp) -> None:
    item = observation.item
    attributes = {"dataItemId": item.id, "timestamp": _time(stamp(observation.at)),
                  "sequence": str(observation.sequence)}
    if item.category == "CONDITION":
        attributes["type"] = item.type
        if observation.condition_id:
            attributes["conditionId"] = observation.condition_id
        element = ET.SubElement(group, _CONDITION_ELEMENTS[observation.value], attributes)
        if observation.text:
            element.text = observation.text
    else:
        ET.SubElement(group, item.element, attributes).text = observation.value


def error(agent: Agent, code: str, message: str) -> bytes:
    ns = _ns("MTConnectError")
    root = ET.Element("MTConnectError")
    ET.SubElement(root, "Header", {
        "creationTime": _time(datetime.now(UTC)), "sender": SENDER,
        "instanceId": str(agent.instance_id), "version": f"{VERSION}.0.0",
        "bufferSize": str(agent.buffer_size)})
    errors = ET.SubElement(root, "Errors")
    ET.SubElement(errors, "Error", {"errorCode": code}).text = message
    return _document(root, ns)
