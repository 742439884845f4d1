import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CampaignIncidentPort } from '../notifications/campaign-incident.port';
import { Incident } from './incident.entity';

/** The incidents module's side of notifications' CampaignIncidentPort: does the incident exist, is it a breach. */
@Injectable()
export class CampaignIncidentAdapter extends CampaignIncidentPort {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  async find(id: string): Promise<{ id: string; personalDataBreach: boolean } | null> {
    const i = await this.db.getRepository(Incident).findOne({ where: { id } });
    return i ? { id: i.id, personalDataBreach: i.personalDataBreach } : null;
  }
}
