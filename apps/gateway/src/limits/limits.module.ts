import { Module } from '@nestjs/common';
import { AdmissionService } from './admission.service';
import { TokenBucketRepository } from './token-bucket.repository';

@Module({ providers: [TokenBucketRepository, AdmissionService], exports: [AdmissionService] })
export class LimitsModule {}
