"""A small SDN advanced-XML document in the published structure, with invented parties."""

from __future__ import annotations

NAMESPACE = (
    "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ADVANCED_XML"
)
LEGACY_NAMESPACE = "http://www.un.org/sanctions/1.0"

REFERENCE_VALUES = """
  <ReferenceValueSets>
    <AliasTypeValues>
      <AliasType ID="1400">A.K.A.</AliasType>
      <AliasType ID="1401">F.K.A.</AliasType>
      <AliasType ID="1402">N.K.A.</AliasType>
      <AliasType ID="1403">Name</AliasType>
    </AliasTypeValues>
    <AreaCodeValues />
    <AreaCodeTypeValues />
    <CalendarTypeValues>
      <CalendarType ID="1">Gregorian</CalendarType>
    </CalendarTypeValues>
    <CountryValues>
      <Country ID="11001" ISO2="UA">Ukraine</Country>
      <Country ID="11002">Cyprus</Country>
      <Country ID="11003" ISO2="AE">United Arab Emirates</Country>
      <Country ID="11004" ISO2="PA">Panama</Country>
    </CountryValues>
    <CountryRelevanceValues>
      <CountryRelevance ID="1">Unknown</CountryRelevance>
    </CountryRelevanceValues>
    <DecisionMakingBodyValues>
      <DecisionMakingBody ID="1" OrganisationID="1">Office of Foreign Assets Control</DecisionMakingBody>
    </DecisionMakingBodyValues>
    <DetailReferenceValues>
      <DetailReference ID="91526">Male</DetailReference>
      <DetailReference ID="91527">Female</DetailReference>
      <DetailReference ID="91604">Panama</DetailReference>
    </DetailReferenceValues>
    <DetailTypeValues>
      <DetailType ID="1430">DATE</DetailType>
      <DetailType ID="1431">LOOKUP</DetailType>
      <DetailType ID="1432">TEXT</DetailType>
    </DetailTypeValues>
    <DocNameStatusValues>
      <DocNameStatus ID="1">Primary Latin</DocNameStatus>
      <DocNameStatus ID="2">Original Script</DocNameStatus>
    </DocNameStatusValues>
    <EntryEventTypeValues>
      <EntryEventType ID="1">Created</EntryEventType>
      <EntryEventType ID="2">Amended</EntryEventType>
    </EntryEventTypeValues>
    <EntryLinkTypeValues />
    <ExRefTypeValues />
    <FeatureTypeValues>
      <FeatureType ID="8" FeatureTypeGroupID="1">Birthdate</FeatureType>
      <FeatureType ID="9" FeatureTypeGroupID="1">Place of Birth</FeatureType>
      <FeatureType ID="10" FeatureTypeGroupID="1">Nationality Country</FeatureType>
      <FeatureType ID="11" FeatureTypeGroupID="1">Citizenship Country</FeatureType>
      <FeatureType ID="224" FeatureTypeGroupID="1">Gender</FeatureType>
      <FeatureType ID="25" FeatureTypeGroupID="2">Location</FeatureType>
      <FeatureType ID="1" FeatureTypeGroupID="3">Vessel Flag</FeatureType>
      <FeatureType ID="3" FeatureTypeGroupID="3">Vessel Call Sign</FeatureType>
      <FeatureType ID="6" FeatureTypeGroupID="3">Vessel Type</FeatureType>
      <FeatureType ID="14" FeatureTypeGroupID="4">Website</FeatureType>
      <FeatureType ID="344" FeatureTypeGroupID="4">Digital Currency Address - XBT</FeatureType>
      <FeatureType ID="504" FeatureTypeGroupID="3">Aircraft Manufacturer's Serial Number (MSN)</FeatureType>
      <FeatureType ID="646" FeatureTypeGroupID="5">Organization Established Date</FeatureType>
      <FeatureType ID="704" FeatureTypeGroupID="5">Additional Sanctions Information -</FeatureType>
    </FeatureTypeValues>
    <FeatureTypeGroupValues>
      <FeatureTypeGroup ID="1">Individual</FeatureTypeGroup>
      <FeatureTypeGroup ID="2">Location</FeatureTypeGroup>
      <FeatureTypeGroup ID="3">Transport</FeatureTypeGroup>
      <FeatureTypeGroup ID="4">Contact</FeatureTypeGroup>
      <FeatureTypeGroup ID="5">Entity</FeatureTypeGroup>
    </FeatureTypeGroupValues>
    <IDRegDocDateTypeValues>
      <IDRegDocDateType ID="1480">Issue Date</IDRegDocDateType>
      <IDRegDocDateType ID="1481">Expiration Date</IDRegDocDateType>
    </IDRegDocDateTypeValues>
    <IDRegDocTypeValues>
      <IDRegDocType ID="1571">Passport</IDRegDocType>
      <IDRegDocType ID="1584">National ID No.</IDRegDocType>
      <IDRegDocType ID="1626">Vessel Registration Identification</IDRegDocType>
      <IDRegDocType ID="91264">MMSI</IDRegDocType>
      <IDRegDocType ID="1596">Registration Number</IDRegDocType>
      <IDRegDocType ID="1619">SWIFT/BIC</IDRegDocType>
      <IDRegDocType ID="1600">Tax ID No.</IDRegDocType>
    </IDRegDocTypeValues>
    <IdentityFeatureLinkTypeValues>
      <IdentityFeatureLinkType ID="1">Identity</IdentityFeatureLinkType>
    </IdentityFeatureLinkTypeValues>
    <LegalBasisValues>
      <LegalBasis ID="10" LegalBasisShortRef="EO13224" LegalBasisTypeID="1" SanctionsProgramID="1">Executive Order 13224 (Terrorism)</LegalBasis>
    </LegalBasisValues>
    <LegalBasisTypeValues>
      <LegalBasisType ID="1">Executive Order</LegalBasisType>
    </LegalBasisTypeValues>
    <ListValues>
      <List ID="1550">SDN List</List>
    </ListValues>
    <LocPartTypeValues>
      <LocPartType ID="1451">ADDRESS1</LocPartType>
      <LocPartType ID="1454">CITY</LocPartType>
      <LocPartType ID="1456">POSTAL CODE</LocPartType>
    </LocPartTypeValues>
    <LocPartValueStatusValues>
      <LocPartValueStatus ID="1">Unknown</LocPartValueStatus>
    </LocPartValueStatusValues>
    <LocPartValueTypeValues>
      <LocPartValueType ID="1">Unknown</LocPartValueType>
    </LocPartValueTypeValues>
    <NamePartTypeValues>
      <NamePartType ID="1520">Last Name</NamePartType>
      <NamePartType ID="1521">First Name</NamePartType>
      <NamePartType ID="1522">Middle Name</NamePartType>
      <NamePartType ID="1524">Aircraft Name</NamePartType>
      <NamePartType ID="1525">Entity Name</NamePartType>
      <NamePartType ID="1526">Vessel Name</NamePartType>
      <NamePartType ID="1528">Nickname</NamePartType>
      <NamePartType ID="91708">Patronymic</NamePartType>
    </NamePartTypeValues>
    <OrganisationValues>
      <Organisation ID="1">United States Department of the Treasury</Organisation>
    </OrganisationValues>
    <PartySubTypeValues>
      <PartySubType ID="1" PartyTypeID="4">Vessel</PartySubType>
      <PartySubType ID="2" PartyTypeID="4">Aircraft</PartySubType>
      <PartySubType ID="3" PartyTypeID="2">Unknown</PartySubType>
      <PartySubType ID="4" PartyTypeID="1">Unknown</PartySubType>
    </PartySubTypeValues>
    <PartyTypeValues>
      <PartyType ID="1">Individual</PartyType>
      <PartyType ID="2">Entity</PartyType>
      <PartyType ID="3">Location</PartyType>
      <PartyType ID="4">Transport</PartyType>
    </PartyTypeValues>
    <RelationQualityValues>
      <RelationQuality ID="1">Unknown</RelationQuality>
    </RelationQualityValues>
    <RelationTypeValues>
      <RelationType ID="1555" Symmetrical="false">Owned or Controlled By</RelationType>
    </RelationTypeValues>
    <ReliabilityValues>
      <Reliability ID="1">Reliable</Reliability>
    </ReliabilityValues>
    <SanctionsProgramValues>
      <SanctionsProgram ID="1" SubsidiaryBodyID="1">SDGT</SanctionsProgram>
    </SanctionsProgramValues>
    <SanctionsTypeValues>
      <SanctionsType ID="1">Program</SanctionsType>
      <SanctionsType ID="2">Block</SanctionsType>
      <SanctionsType ID="3">Secondary Sanctions Risk</SanctionsType>
    </SanctionsTypeValues>
    <ScriptValues>
      <Script ID="215" ScriptCode="Latn">Latin</Script>
      <Script ID="220" ScriptCode="Cyrl">Cyrillic</Script>
    </ScriptValues>
    <ScriptStatusValues>
      <ScriptStatus ID="1">Unknown</ScriptStatus>
    </ScriptStatusValues>
    <SubsidiaryBodyValues>
      <SubsidiaryBody ID="1" Notional="false" DecisionMakingBodyID="1">Sanctions Programs</SubsidiaryBody>
    </SubsidiaryBodyValues>
    <SupInfoTypeValues />
    <TargetTypeValues />
    <ValidityValues>
      <Validity ID="1">Valid</Validity>
      <Validity ID="2">Fraudulent</Validity>
    </ValidityValues>
  </ReferenceValueSets>"""

LOCATIONS = """
  <Locations>
    <Location ID="30101">
      <LocationCountry CountryID="11002" CountryRelevanceID="1" />
      <LocationPart LocPartTypeID="1451">
        <LocationPartValue Primary="true" LocPartValueTypeID="1" LocPartValueStatusID="1">
          <Value>12 Harbour Road</Value>
        </LocationPartValue>
      </LocationPart>
      <LocationPart LocPartTypeID="1454">
        <LocationPartValue Primary="true" LocPartValueTypeID="1" LocPartValueStatusID="1">
          <Value>Limassol</Value>
        </LocationPartValue>
      </LocationPart>
      <LocationPart LocPartTypeID="1456">
        <LocationPartValue Primary="true" LocPartValueTypeID="1" LocPartValueStatusID="1">
          <Value>3035</Value>
        </LocationPartValue>
      </LocationPart>
    </Location>
    <Location ID="30102">
      <LocationCountry CountryID="11001" CountryRelevanceID="1" />
    </Location>
    <Location ID="30103">
      <LocationCountry CountryID="11002" CountryRelevanceID="1" />
    </Location>
    <Location ID="30104">
      <LocationCountry CountryID="11003" CountryRelevanceID="1" />
      <LocationPart LocPartTypeID="1451">
        <LocationPartValue Primary="true" LocPartValueTypeID="1" LocPartValueStatusID="1">
          <Value>Office 1204, Gulf Tower</Value>
        </LocationPartValue>
      </LocationPart>
      <LocationPart LocPartTypeID="1454">
        <LocationPartValue Primary="false" LocPartValueTypeID="1" LocPartValueStatusID="1">
          <Value>Dubayy</Value>
        </LocationPartValue>
        <LocationPartValue Primary="true" LocPartValueTypeID="1" LocPartValueStatusID="1">
          <Value>Dubai</Value>
        </LocationPartValue>
      </LocationPart>
    </Location>
  </Locations>"""

ID_REG_DOCUMENTS = """
  <IDRegDocuments>
    <IDRegDocument ID="20101" IDRegDocTypeID="1571" IdentityID="50101" IssuedBy-CountryID="11001" ValidityID="1">
      <IDRegistrationNo>FE1234567</IDRegistrationNo>
      <DocumentDate IDRegDocDateTypeID="1480">
        <DatePeriod CalendarTypeID="1" YearFixed="false" MonthFixed="false" DayFixed="false">
          <Start Approximate="false" YearFixed="false" MonthFixed="false" DayFixed="false">
            <From><Year>2015</Year><Month>3</Month><Day>2</Day></From>
            <To><Year>2015</Year><Month>3</Month><Day>2</Day></To>
          </Start>
          <End Approximate="false" YearFixed="false" MonthFixed="false" DayFixed="false">
            <From><Year>2015</Year><Month>3</Month><Day>2</Day></From>
            <To><Year>2015</Year><Month>3</Month><Day>2</Day></To>
          </End>
        </DatePeriod>
      </DocumentDate>
    </IDRegDocument>
    <IDRegDocument ID="20102" IDRegDocTypeID="1584" IdentityID="50101" ValidityID="2">
      <Comment>used in 2016</Comment>
      <IDRegistrationNo>2209871234</IDRegistrationNo>
    </IDRegDocument>
    <IDRegDocument ID="20201" IDRegDocTypeID="1626" IdentityID="50201">
      <IDRegistrationNo>IMO 9000003</IDRegistrationNo>
    </IDRegDocument>
    <IDRegDocument ID="20202" IDRegDocTypeID="91264" IdentityID="50201">
      <IDRegistrationNo>352000123</IDRegistrationNo>
    </IDRegDocument>
    <IDRegDocument ID="20301" IDRegDocTypeID="1596" IdentityID="50301" IssuedBy-CountryID="11003">
      <IDRegistrationNo>CN-1000001</IDRegistrationNo>
      <IssuingAuthority>Dubai Department of Economic Development</IssuingAuthority>
    </IDRegDocument>
    <IDRegDocument ID="20302" IDRegDocTypeID="1619" IdentityID="50301">
      <IDRegistrationNo>BLHBAEAD</IDRegistrationNo>
    </IDRegDocument>
    <IDRegDocument ID="20303" IDRegDocTypeID="1600" IdentityID="50301">
      <Comment>number withheld by the registry</Comment>
    </IDRegDocument>
  </IDRegDocuments>"""


def _date_period(start: str, end: str | None = None) -> str:
    """A DatePeriod from "Y-M-D" boundaries, each boundary's From and To the same day."""

    def point(tag: str, day: str) -> str:
        year, month, dd = day.split("-")
        return f"<{tag}><Year>{year}</Year><Month>{int(month)}</Month><Day>{int(dd)}</Day></{tag}>"

    end = end or start
    flags = 'YearFixed="false" MonthFixed="false" DayFixed="false"'
    return (
        f'<DatePeriod CalendarTypeID="1" {flags}>'
        f'<Start Approximate="false" {flags}>{point("From", start)}{point("To", start)}</Start>'
        f'<End Approximate="false" {flags}>{point("From", end)}{point("To", end)}</End>'
        "</DatePeriod>"
    )


def _feature(feature_id: int, type_id: int, identity: int, content: str) -> str:
    return (
        f'<Feature ID="{feature_id}" FeatureTypeID="{type_id}">'
        f'<FeatureVersion ID="{feature_id + 1000}" ReliabilityID="1">{content}</FeatureVersion>'
        f'<IdentityReference IdentityID="{identity}" IdentityFeatureLinkTypeID="1" />'
        "</Feature>"
    )


def _name_part(group: int, value: str, script: int = 215) -> str:
    return (
        "<DocumentedNamePart>"
        f'<NamePartValue NamePartGroupID="{group}" ScriptID="{script}" ScriptStatusID="1" '
        f'Acronym="false">{value}</NamePartValue>'
        "</DocumentedNamePart>"
    )


def _alias(
    ref: int, type_id: int, names: list[str], *, primary: bool = False, low: bool = False
) -> str:
    documented = "".join(
        f'<DocumentedName ID="{ref * 10 + i}" FixedRef="{ref}" DocNameStatusID="{1 + (i > 0)}">'
        f"{parts}</DocumentedName>"
        for i, parts in enumerate(names)
    )
    return (
        f'<Alias FixedRef="{ref}" AliasTypeID="{type_id}" Primary="{str(primary).lower()}" '
        f'LowQuality="{str(low).lower()}">{documented}</Alias>'
    )


def _groups(*groups: tuple[int, int]) -> str:
    inner = "".join(
        f'<MasterNamePartGroup><NamePartGroup ID="{g}" NamePartTypeID="{t}" /></MasterNamePartGroup>'
        for g, t in groups
    )
    return f"<NamePartGroups>{inner}</NamePartGroups>"


INDIVIDUAL = f"""
    <DistinctParty FixedRef="7101">
      <Profile ID="7101" PartySubTypeID="4">
        <Identity ID="50101" FixedRef="7101" Primary="true" False="false">
          {
    _alias(
        7101,
        1403,
        [
            _name_part(40101, "KOVALENKO")
            + _name_part(40102, "Dmitar")
            + _name_part(40103, "Ilich"),
            _name_part(40101, "КОВАЛЕНКО", 220)
            + _name_part(40102, "Дмитар", 220)
            + _name_part(40103, "Илич", 220),
        ],
        primary=True,
    )
}
          {_alias(7101, 1400, [_name_part(40101, "KOVALENKO") + _name_part(40102, "Dimitri")])}
          {_alias(7101, 1400, [_name_part(40104, "THE ADMIRAL")], low=True)}
          {_groups((40101, 1520), (40102, 1521), (40103, 1522), (40104, 1528))}
        </Identity>
        {_feature(80101, 8, 50101, _date_period("1968-4-23"))}
        {_feature(80102, 8, 50101, _date_period("1969-1-1", "1969-12-31"))}
        {
    _feature(80103, 9, 50101, '<VersionDetail DetailTypeID="1432">Odesa, Ukraine</VersionDetail>')
}
        {_feature(80104, 10, 50101, '<VersionLocation LocationID="30102" />')}
        {_feature(80105, 11, 50101, '<VersionLocation LocationID="30103" />')}
        {
    _feature(80106, 224, 50101, '<VersionDetail DetailTypeID="1431" DetailReferenceID="91526" />')
}
        {_feature(80107, 25, 50101, '<VersionLocation LocationID="30101" />')}
        <SanctionsEntryReference SanctionsEntryID="90101" />
      </Profile>
    </DistinctParty>"""

VESSEL = f"""
    <DistinctParty FixedRef="7102">
      <Profile ID="7102" PartySubTypeID="1">
        <Identity ID="50201" FixedRef="7102" Primary="true" False="false">
          {_alias(7102, 1403, [_name_part(40201, "NORTHERN STAR")], primary=True)}
          {_alias(7102, 1401, [_name_part(40201, "POLAR LIGHT")])}
          {_groups((40201, 1526))}
        </Identity>
        {
    _feature(80201, 1, 50201, '<VersionDetail DetailTypeID="1431" DetailReferenceID="91604" />')
}
        {_feature(80202, 3, 50201, '<VersionDetail DetailTypeID="1432">3EXA9</VersionDetail>')}
        {
    _feature(80203, 6, 50201, '<VersionDetail DetailTypeID="1432">Crude Oil Tanker</VersionDetail>')
}
      </Profile>
    </DistinctParty>"""

COMPANY = f"""
    <DistinctParty FixedRef="7103">
      <Comment>Listed together with its branch offices.</Comment>
      <Profile ID="7103" PartySubTypeID="3">
        <Identity ID="50301" FixedRef="7103" Primary="true" False="false">
          {_alias(7103, 1403, [_name_part(40301, "BLUE HARBOUR TRADING L.L.C.")], primary=True)}
          {_alias(7103, 1400, [_name_part(40301, "BLUE HARBOR TRADING")])}
          {_alias(7103, 1401, [_name_part(40301, "BLUE HARBOUR GENERAL TRADING")])}
          {_groups((40301, 1525))}
        </Identity>
        {_feature(80301, 25, 50301, '<VersionLocation LocationID="30104" />')}
        {
    _feature(
        80302,
        344,
        50301,
        '<VersionDetail DetailTypeID="1432">bc1qexample0000000000000000000000000000</VersionDetail>',
    )
}
        {
    _feature(
        80303,
        14,
        50301,
        '<VersionDetail DetailTypeID="1432">www.blueharbour.example</VersionDetail>',
    )
}
        {_feature(80304, 646, 50301, _date_period("2009-6-1", "2009-6-30"))}
        {
    _feature(
        80305,
        704,
        50301,
        '<VersionDetail DetailTypeID="1432">Subject to Secondary Sanctions</VersionDetail>',
    )
}
      </Profile>
    </DistinctParty>"""

ORGANIZATION = f"""
    <DistinctParty FixedRef="7104">
      <Profile ID="7104" PartySubTypeID="3">
        <Identity ID="50401" FixedRef="7104" Primary="true" False="false">
          {_alias(7104, 1403, [_name_part(40401, "NORTHERN DUNES FRONT")], primary=True)}
          {_groups((40401, 1525))}
        </Identity>
      </Profile>
    </DistinctParty>"""

AIRCRAFT = f"""
    <DistinctParty FixedRef="7105">
      <Profile ID="7105" PartySubTypeID="2">
        <Identity ID="50501" FixedRef="7105" Primary="true" False="false">
          {_alias(7105, 1403, [_name_part(40501, "EP-ZZA")], primary=True)}
          {_groups((40501, 1524))}
        </Identity>
        {_feature(80501, 504, 50501, '<VersionDetail DetailTypeID="1432">28511</VersionDetail>')}
      </Profile>
    </DistinctParty>"""


def _entry(entry_id: int, profile: int, programs: list[str], dates: list[str]) -> str:
    events = "".join(
        f'<EntryEvent ID="{entry_id * 10 + i}" EntryEventTypeID="{1 + (i > 0)}" LegalBasisID="10">'
        f'<Date CalendarTypeID="1"><Year>{d.split("-")[0]}</Year><Month>{d.split("-")[1]}</Month>'
        f"<Day>{d.split('-')[2]}</Day></Date></EntryEvent>"
        for i, d in enumerate(dates)
    )
    measures = "".join(
        f'<SanctionsMeasure ID="{entry_id * 10 + i}" SanctionsTypeID="1"><Comment>{p}</Comment>'
        f"{_date_period(dates[0])}</SanctionsMeasure>"
        for i, p in enumerate(programs)
    )
    block = (
        f'<SanctionsMeasure ID="{entry_id * 10 + 9}" SanctionsTypeID="2">'
        f"{_date_period(dates[0])}</SanctionsMeasure>"
    )
    return (
        f'<SanctionsEntry ID="{entry_id}" ProfileID="{profile}" ListID="1550">'
        f"{events}{measures}{block}</SanctionsEntry>"
    )


SANCTIONS_ENTRIES = f"""
  <SanctionsEntries>
    {_entry(90101, 7101, ["UKRAINE-EO13660"], ["2019-05-17"])}
    {_entry(90102, 7102, ["IRAN-EO13846"], ["2020-09-03"])}
    {_entry(90103, 7103, ["SDGT", "IRGC"], ["2022-01-14", "2021-02-11"])}
    {_entry(90104, 7104, ["SDGT"], ["2014-05-02"])}
    <SanctionsEntry ID="90105" ProfileID="7105" ListID="1550">
      <EntryEvent ID="901051" EntryEventTypeID="1"><Date CalendarTypeID="1"><Year>2023</Year><Month>10</Month><Day>1</Day></Date></EntryEvent>
      <SanctionsMeasure ID="901052" SanctionsTypeID="1"><Comment>IRAN-CON-ARMS-EO</Comment>{_date_period("2023-10-1")}</SanctionsMeasure>
      <SanctionsMeasure ID="901053" SanctionsTypeID="3"><Comment>Subject to Secondary Sanctions Pursuant to the ITSR</Comment>{_date_period("2023-10-1")}</SanctionsMeasure>
    </SanctionsEntry>
  </SanctionsEntries>"""


def document(parties: str, *, namespace: str = NAMESPACE, entries: str = SANCTIONS_ENTRIES) -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Sanctions xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" Version="3" xmlns="{namespace}">
  <DateOfIssue CalendarTypeID="1"><Year>2024</Year><Month>6</Month><Day>3</Day></DateOfIssue>
  {REFERENCE_VALUES}
  {LOCATIONS}
  {ID_REG_DOCUMENTS}
  <DistinctParties>{parties}
  </DistinctParties>
  <ProfileRelationships>
    <ProfileRelationship ID="95101" From-ProfileID="7102" To-ProfileID="7103" RelationTypeID="1555" RelationQualityID="1" Former="false" SanctionsEntryID="90102" />
  </ProfileRelationships>
  {entries}
  <SanctionsEntryLinks />
</Sanctions>
"""


ALL_PARTIES = INDIVIDUAL + VESSEL + COMPANY + ORGANIZATION + AIRCRAFT
