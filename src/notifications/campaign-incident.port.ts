/**
 * What a campaign needs to know of the incident it belongs to. Notifications owns this port (it may not import
 * incidents); the incidents module implements it. Without an implementation (a slim context) the incident is
 * not checked.
 */
export abstract class CampaignIncidentPort {
  /** The incident, or null when there is none with this id. */
  abstract find(id: string): Promise<{ id: string; personalDataBreach: boolean } | null>;
}
